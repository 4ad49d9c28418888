//! The demo catalog: a dozen models of every kind, with realistic latency and prices.

use app::model::ModelKind;

use crate::cost::Prices;

/// One demo model and how its traffic looks.
pub struct DemoModel {
    pub name: &'static str,
    pub kind: ModelKind,
    pub operation: &'static str,
    /// Share of traffic (relative).
    pub weight: f64,
    pub latency_median_ms: f64,
    pub latency_sigma: f64,
    /// Fraction of calls streamed (TTFT is measured only for those).
    pub stream_share: f64,
    pub ttft_median_ms: f64,
    pub prices: Prices,
}

const fn no_prices() -> Prices {
    Prices {
        input_per_mtok: None,
        cached_input_per_mtok: None,
        output_per_mtok: None,
        per_image: None,
        per_video_second: None,
        per_audio_second: None,
        per_mchar: None,
    }
}

const fn tokens(input: f64, cached: f64, output: f64) -> Prices {
    Prices {
        input_per_mtok: Some(input),
        cached_input_per_mtok: Some(cached),
        output_per_mtok: Some(output),
        ..no_prices()
    }
}

/// The demo catalog: every model kind, several LLMs including a reasoning model.
pub const MODELS: [DemoModel; 12] = [
    DemoModel {
        name: "qwen-max",
        kind: ModelKind::Llm,
        operation: "chat",
        weight: 8.0,
        latency_median_ms: 2600.0,
        latency_sigma: 0.5,
        stream_share: 0.8,
        ttft_median_ms: 650.0,
        prices: tokens(1.6, 0.32, 6.4),
    },
    DemoModel {
        name: "qwen-plus",
        kind: ModelKind::Llm,
        operation: "chat",
        weight: 20.0,
        latency_median_ms: 1500.0,
        latency_sigma: 0.45,
        stream_share: 0.75,
        ttft_median_ms: 380.0,
        prices: tokens(0.4, 0.08, 1.2),
    },
    DemoModel {
        name: "qwen-turbo",
        kind: ModelKind::Llm,
        operation: "chat",
        weight: 18.0,
        latency_median_ms: 700.0,
        latency_sigma: 0.4,
        stream_share: 0.6,
        ttft_median_ms: 180.0,
        prices: tokens(0.05, 0.01, 0.2),
    },
    DemoModel {
        name: "qwq-plus",
        kind: ModelKind::Llm,
        operation: "chat",
        weight: 5.0,
        latency_median_ms: 9000.0,
        latency_sigma: 0.6,
        stream_share: 0.95,
        ttft_median_ms: 3500.0,
        prices: tokens(0.8, 0.16, 2.4),
    },
    DemoModel {
        name: "deepseek-v3",
        kind: ModelKind::Llm,
        operation: "chat",
        weight: 7.0,
        latency_median_ms: 2200.0,
        latency_sigma: 0.5,
        stream_share: 0.7,
        ttft_median_ms: 700.0,
        prices: tokens(0.27, 0.07, 1.1),
    },
    DemoModel {
        name: "qwen-vl-plus",
        kind: ModelKind::Llm,
        operation: "chat",
        weight: 4.0,
        latency_median_ms: 2400.0,
        latency_sigma: 0.45,
        stream_share: 0.5,
        ttft_median_ms: 900.0,
        prices: tokens(0.21, 0.05, 0.63),
    },
    DemoModel {
        name: "qwen-omni-turbo",
        kind: ModelKind::Omni,
        operation: "chat",
        weight: 4.0,
        latency_median_ms: 1800.0,
        latency_sigma: 0.45,
        stream_share: 1.0,
        ttft_median_ms: 420.0,
        prices: tokens(0.07, 0.07, 0.27),
    },
    DemoModel {
        name: "wan2.2-t2i",
        kind: ModelKind::Image,
        operation: "image_generation",
        weight: 3.0,
        latency_median_ms: 6000.0,
        latency_sigma: 0.35,
        stream_share: 0.0,
        ttft_median_ms: 0.0,
        prices: Prices {
            per_image: Some(0.02),
            ..no_prices()
        },
    },
    DemoModel {
        name: "wan2.2-t2v",
        kind: ModelKind::Video,
        operation: "video_generation",
        weight: 0.6,
        latency_median_ms: 90_000.0,
        latency_sigma: 0.3,
        stream_share: 0.0,
        ttft_median_ms: 0.0,
        prices: Prices {
            per_video_second: Some(0.1),
            ..no_prices()
        },
    },
    DemoModel {
        name: "cosyvoice-v2",
        kind: ModelKind::Speech,
        operation: "tts",
        weight: 4.0,
        latency_median_ms: 900.0,
        latency_sigma: 0.4,
        stream_share: 0.5,
        ttft_median_ms: 250.0,
        prices: Prices {
            per_mchar: Some(28.0),
            ..no_prices()
        },
    },
    DemoModel {
        name: "paraformer-v2",
        kind: ModelKind::Speech,
        operation: "asr",
        weight: 3.0,
        latency_median_ms: 1200.0,
        latency_sigma: 0.5,
        stream_share: 0.0,
        ttft_median_ms: 0.0,
        prices: Prices {
            per_audio_second: Some(0.00012),
            ..no_prices()
        },
    },
    DemoModel {
        name: "text-embedding-v4",
        kind: ModelKind::Embedding,
        operation: "embedding",
        weight: 25.0,
        latency_median_ms: 120.0,
        latency_sigma: 0.4,
        stream_share: 0.0,
        ttft_median_ms: 0.0,
        prices: Prices {
            input_per_mtok: Some(0.07),
            ..no_prices()
        },
    },
];
