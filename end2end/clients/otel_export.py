"""Exports GenAI spans to Modelwatch with the OpenTelemetry Python SDK over OTLP/HTTP.

Usage: otel_export.py ENDPOINT KEY ENCODING [COMPRESSION]

ENDPOINT is the full traces URL (http://127.0.0.1:PORT/v1/traces), KEY a workspace API key,
ENCODING `protobuf` or `json`, COMPRESSION `gzip`, `deflate` or `none` (default `gzip`). The
spans carry the encoding in their ids and names, so a test can tell two runs apart:

- `chat <encoding>`: a streamed chat call with current semantic-convention attributes;
- `embeddings <encoding>`: an embeddings call;
- `chat claude <encoding>`: a failed call with deprecated and vendor attribute names;
- `GET /health <encoding>`: a plain HTTP span, which Modelwatch refuses as not a GenAI call.

Exits 0 when every export succeeded, 1 otherwise (the SDK logs the server's reason).
"""

import sys
import time

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    SpanExporter,
    SpanExportResult,
)
from opentelemetry.trace import SpanKind, Status, StatusCode


class RecordingExporter(SpanExporter):
    """Passes spans on to a real exporter and remembers whether each export succeeded."""

    def __init__(self, inner):
        self.inner = inner
        self.results = []

    def export(self, spans):
        result = self.inner.export(spans)
        self.results.append(result)
        return result

    def shutdown(self):
        self.inner.shutdown()

    def force_flush(self, timeout_millis=30000):
        return self.inner.force_flush(timeout_millis)


def exporter(endpoint, key, encoding, compression):
    headers = {"Authorization": f"Bearer {key}"}
    if encoding == "protobuf":
        from opentelemetry.exporter.otlp.proto.http import Compression
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        chosen = {"gzip": Compression.Gzip, "deflate": Compression.Deflate}.get(
            compression, Compression.NoCompression
        )
    elif encoding == "json":
        from opentelemetry.exporter.otlp.common.http import Compression
        from opentelemetry.exporter.otlp.json.http.trace_exporter import OTLPSpanExporter

        chosen = {"gzip": Compression.GZIP, "deflate": Compression.DEFLATE}.get(
            compression, Compression.NONE
        )
    else:
        raise SystemExit(f"unknown encoding {encoding!r}: use protobuf or json")
    return OTLPSpanExporter(endpoint=endpoint, headers=headers, compression=chosen, timeout=10)


def emit(tracer, encoding, now_ns):
    ms = 1_000_000

    # A streamed chat call: 300 ms in total, first chunk after 50 ms.
    start = now_ns - 2_000 * ms
    span = tracer.start_span(
        f"chat {encoding}",
        kind=SpanKind.CLIENT,
        start_time=start,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
            "gen_ai.response.id": f"chatcmpl-{encoding}",
            "gen_ai.request.stream": True,
            "gen_ai.usage.input_tokens": 120,
            "gen_ai.usage.output_tokens": 45,
            "gen_ai.usage.cache_read.input_tokens": 20,
            "gen_ai.usage.reasoning.output_tokens": 5,
            "gen_ai.response.time_to_first_chunk": 0.05,
            "http.response.status_code": 200,
        },
    )
    span.end(end_time=start + 300 * ms)

    # An embeddings call: 40 ms.
    start = now_ns - 1_500 * ms
    span = tracer.start_span(
        f"embeddings {encoding}",
        kind=SpanKind.CLIENT,
        start_time=start,
        attributes={
            "gen_ai.operation.name": "embeddings",
            "gen_ai.provider.name": "openai",
            "gen_ai.request.model": "text-embedding-3-small",
            "gen_ai.usage.input_tokens": 8,
        },
    )
    span.end(end_time=start + 40 * ms)

    # A failed call, described with deprecated and vendor names.
    start = now_ns - 1_000 * ms
    span = tracer.start_span(
        f"chat claude {encoding}",
        kind=SpanKind.CLIENT,
        start_time=start,
        attributes={
            "gen_ai.system": "anthropic",
            "llm.request.model": "claude-sonnet-4",
            "llm.usage.prompt_tokens": 900,
            "error.type": "overloaded_error",
            "http.status_code": 529,
        },
    )
    span.set_status(Status(StatusCode.ERROR, "Overloaded"))
    span.end(end_time=start + 1_200 * ms)

    # Not a model call.
    start = now_ns - 500 * ms
    span = tracer.start_span(
        f"GET /health {encoding}",
        kind=SpanKind.SERVER,
        start_time=start,
        attributes={"http.request.method": "GET", "http.response.status_code": 200},
    )
    span.end(end_time=start + 2 * ms)


def main(argv):
    if len(argv) not in (4, 5):
        print(__doc__, file=sys.stderr)
        return 2
    endpoint, key, encoding = argv[1], argv[2], argv[3]
    compression = argv[4] if len(argv) == 5 else "gzip"
    recording = RecordingExporter(exporter(endpoint, key, encoding, compression))
    provider = TracerProvider(
        resource=Resource.create({"service.name": f"otel-{encoding}-client"})
    )
    provider.add_span_processor(BatchSpanProcessor(recording))
    emit(provider.get_tracer("modelwatch.end2end"), encoding, time.time_ns())
    flushed = provider.force_flush(timeout_millis=20_000)
    provider.shutdown()
    if not flushed or not recording.results:
        print("the spans were not exported", file=sys.stderr)
        return 1
    failed = [result for result in recording.results if result != SpanExportResult.SUCCESS]
    if failed:
        print(f"{len(failed)} of {len(recording.results)} exports failed", file=sys.stderr)
        return 1
    print(f"{len(recording.results)} export(s) succeeded")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
