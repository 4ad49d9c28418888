//! A chart drawn in the browser from a description built by `crate::charts`. The server
//! renders an empty, labelled box; after hydration the chart is drawn into it, redrawn when the
//! theme changes, resized with the window and disposed when the box goes away.
//!
//! The chart script (`pkg/charts.min.js`: `end2end/charts/entry.js` on uPlot, about 25 KB on
//! the wire) is fetched only by a page that draws a chart: the first box asks for it, and draws
//! once it has run. A page whose first view has charts (Analytics, Alerts) names it in its answer's
//! `Link` header, so that it downloads alongside the wasm (`crate::pages`).

use leptos::prelude::*;

use crate::charts::Chart;

/// A chart box.
#[component]
pub fn ChartBox(
    /// Element id, unique on the page.
    #[prop(into)]
    id: String,
    /// What the chart shows, for screen readers and as the box's title.
    #[prop(into)]
    label: String,
    /// The chart's options.
    chart: Chart,
) -> impl IntoView {
    let node = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    draw::attach(node, chart);
    #[cfg(not(feature = "hydrate"))]
    drop(chart);
    view! { <div node_ref=node id=id class="chart" role="img" aria-label=label data-drawn="false"></div> }
}

#[cfg(feature = "hydrate")]
mod draw {
    use leptos::html::Div;
    use leptos::prelude::*;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsValue;

    use crate::charts::Chart;
    use crate::components::theme_toggle::{page_is_dark, ThemeChanged};

    #[wasm_bindgen]
    extern "C" {
        /// A chart the script drew.
        type Drawing;

        /// `modelwatchCharts.draw(element, description, dark)`: draws the chart described
        /// (JSON) into `element`, replacing what was there.
        #[wasm_bindgen(js_namespace = modelwatchCharts, js_name = draw)]
        fn draw(element: &web_sys::Element, description: &str, dark: bool) -> Drawing;

        /// `modelwatchCharts.resize(chart)`: fits a chart to its box again.
        #[wasm_bindgen(js_namespace = modelwatchCharts, js_name = resize)]
        fn resize(chart: &Drawing);

        /// `modelwatchCharts.dispose(chart)`: frees a chart so its box can be drawn again.
        #[wasm_bindgen(js_namespace = modelwatchCharts, js_name = dispose)]
        fn dispose(chart: &Drawing);
    }

    /// The chart drawn into the box, if any, and whether the box has gone for good.
    type Drawn = StoredValue<(Option<Drawing>, bool), LocalStorage>;

    fn release(drawn: Drawn) {
        drawn.update_value(|(current, _)| {
            if let Some(old) = current.take() {
                dispose(&old);
            }
        });
    }

    /// The `id` of the `<script>` that loads the chart script.
    const LIBRARY_ID: &str = "chart-script";

    /// Whether the chart script has run (it sets the global `modelwatchCharts`). When not, asks
    /// for it: adds it, from the folder the page's `<html data-pkg>` names, unless it is
    /// already there.
    fn library_ready() -> bool {
        if js_sys::Reflect::has(&window(), &JsValue::from_str("modelwatchCharts")).unwrap_or(false)
        {
            return true;
        }
        let document = document();
        if document.get_element_by_id(LIBRARY_ID).is_none() {
            let pkg = document
                .document_element()
                .and_then(|root| root.get_attribute("data-pkg"));
            let head = document.query_selector("head").ok().flatten();
            if let (Some(pkg), Some(head), Ok(script)) =
                (pkg, head, document.create_element("script"))
            {
                script.set_id(LIBRARY_ID);
                let _ = script.set_attribute("src", &format!("{pkg}/charts.min.js"));
                let _ = head.append_child(&script);
            }
        }
        false
    }

    /// Frames a box waits for its element to be in the document (a page rendered after
    /// navigation mounts its boxes a moment after the effect runs) and for the chart script to
    /// have loaded: about 30 seconds.
    const FRAMES: u32 = 1_800;

    /// Draws once the box is in the document and the chart script has run; gives up after
    /// [`FRAMES`].
    fn draw_when_mounted(node: NodeRef<Div>, chart: Chart, drawn: Drawn, frames_left: u32) {
        if drawn.try_with_value(|(_, gone)| *gone).unwrap_or(true) {
            return;
        }
        let element = node
            .get_untracked()
            .filter(|element| element.is_connected());
        let element = element.filter(|_| library_ready());
        let Some(element) = element else {
            if frames_left > 0 {
                request_animation_frame(move || {
                    draw_when_mounted(node, chart, drawn, frames_left - 1)
                });
            }
            return;
        };
        release(drawn);
        let drawing = draw(&element, &chart.to_json(), page_is_dark());
        drawn.update_value(|(current, _)| *current = Some(drawing));
        let _ = element.set_attribute("data-drawn", "true");
    }

    pub fn attach(node: NodeRef<Div>, chart: Chart) {
        let drawn: Drawn = StoredValue::new_local((None, false));
        let theme = use_context::<ThemeChanged>();
        Effect::new(move |_| {
            if let Some(theme) = theme {
                theme.0.track();
            }
            let chart = chart.clone();
            request_animation_frame(move || draw_when_mounted(node, chart, drawn, FRAMES));
        });
        let resize = window_event_listener(leptos::ev::resize, move |_| {
            drawn.with_value(|(current, _)| {
                if let Some(drawing) = current {
                    resize(drawing);
                }
            });
        });
        on_cleanup(move || {
            resize.remove();
            release(drawn);
            drawn.update_value(|(_, gone)| *gone = true);
        });
    }
}
