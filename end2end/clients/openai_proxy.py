"""The official `openai` Python package, pointed at Modelwatch's proxy.

Usage: openai_proxy.py BASE_URL WORKSPACE_KEY

The proxy forwards to the fake provider of the Rust integration test (see
server/tests/integration/proxy/upstream.rs). Every check here is about what a client sees;
the test then looks up each call's record by the id printed on stdout (one JSON object).
Exits non-zero, with the reason, when anything is not as an OpenAI client expects.
"""

import io
import json
import sys

import openai

RECORD_HEADER = "x-modelwatch-request-id"


def main() -> None:
    base_url, key = sys.argv[1], sys.argv[2]
    client = openai.OpenAI(base_url=base_url, api_key=key, max_retries=0, timeout=20)
    ids = {}

    # A whole answer, with the proxy's record id in the headers, tagged by the caller.
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o",
        messages=[{"role": "user", "content": "hi"}],
        user="user-42",
        extra_headers={"x-modelwatch-metadata": '{"app": "checkout", "tags": ["beta"]}'},
    )
    completion = raw.parse()
    assert completion.choices[0].message.content == "Hello", completion
    assert completion.usage.total_tokens == 17, completion.usage
    ids["whole"] = raw.headers[RECORD_HEADER]

    # A stream that did not ask for usage: no usage-only chunk reaches the client.
    raw = client.chat.completions.with_raw_response.create(
        model="slow-first", stream=True, messages=[{"role": "user", "content": "hi"}]
    )
    ids["stream"] = raw.headers[RECORD_HEADER]
    text = ""
    for chunk in raw.parse():
        assert chunk.choices, f"a chunk without choices reached the client: {chunk}"
        assert chunk.usage is None, chunk
        text += chunk.choices[0].delta.content or ""
    assert text == "Hello", text

    # A stream that asked for usage gets it as the last chunk.
    raw = client.chat.completions.with_raw_response.create(
        model="stream-ok",
        stream=True,
        stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "hi"}],
    )
    ids["stream_usage"] = raw.headers[RECORD_HEADER]
    chunks = list(raw.parse())
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens == 17, chunks[-1]

    # A provider error reaches the client as the SDK's typed error, with the provider's message.
    try:
        client.chat.completions.create(model="rate-limited", messages=[])
        raise SystemExit("a 429 was not raised")
    except openai.RateLimitError as error:
        assert "Rate limit reached" in str(error), error
        ids["rate_limited"] = error.response.headers[RECORD_HEADER]

    # The Modelwatch key is checked before anything is forwarded.
    bad = openai.OpenAI(base_url=base_url, api_key="mw_wrong", max_retries=0)
    try:
        bad.chat.completions.create(model="gpt-4o", messages=[])
        raise SystemExit("a wrong key was accepted")
    except openai.AuthenticationError as error:
        assert "invalid or revoked API key" in str(error), error

    raw = client.embeddings.with_raw_response.create(model="text-embedding-3-small", input="hi")
    assert len(raw.parse().data[0].embedding) == 2
    ids["embedding"] = raw.headers[RECORD_HEADER]

    raw = client.images.with_raw_response.generate(model="gpt-image-1", prompt="a cat", n=2)
    assert len(raw.parse().data) == 2
    ids["image"] = raw.headers[RECORD_HEADER]

    raw = client.audio.speech.with_raw_response.create(model="tts-1", voice="alloy", input="Hello, world")
    assert raw.content == bytes([0xFF, 0xFB, 0x90, 0x00, 0x01, 0x02])
    ids["speech"] = raw.headers[RECORD_HEADER]

    audio = io.BytesIO(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    audio.name = "clip.wav"
    raw = client.audio.transcriptions.with_raw_response.create(model="whisper-1", file=audio)
    assert raw.parse().text == "hello there"
    ids["transcription"] = raw.headers[RECORD_HEADER]

    print(json.dumps(ids))


if __name__ == "__main__":
    main()
