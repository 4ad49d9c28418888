//! The answer's body on its way from the upstream to the client: every piece is passed on as
//! soon as it arrives, while a copy is read to learn TTFT, usage and errors. The call is
//! recorded when the body ends, fails, stalls past the timeout, or is dropped by the client.
//! Unrecorded pass-through answers use the same stream for its idle timeout alone.
//!
//! Only when the proxy itself asked for streamed usage does it hold bytes back, and then only
//! an unfinished event (a client cannot use half an event anyway), so that the usage chunk the
//! client did not ask for can be left out whole.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{BoxStream, Stream};
use futures_util::FutureExt;

use super::call::{Call, Outcome};
use super::observe::{Observer, MAX_TEXT_BYTES};
use super::sse::SseParser;

/// How the body is read.
pub enum Reader {
    /// Server-sent events, event by event; `filter`: leave out the usage-only chunk.
    Events {
        parser: SseParser,
        observer: Observer,
        filter: bool,
    },
    /// A whole answer: a copy of up to 1 MiB is kept when `textual` (JSON, text).
    Whole {
        copy: Vec<u8>,
        textual: bool,
        overflow: bool,
    },
}

impl Reader {
    pub fn events(filter: bool) -> Self {
        Reader::Events {
            parser: SseParser::new(),
            observer: Observer::new(filter),
            filter,
        }
    }

    pub fn whole(textual: bool) -> Self {
        Reader::Whole {
            copy: Vec::new(),
            textual,
            overflow: false,
        }
    }
}

/// The client's body stream.
pub struct ObservedBody {
    upstream: BoxStream<'static, reqwest::Result<Bytes>>,
    idle: Pin<Box<tokio::time::Sleep>>,
    timeout: Duration,
    reader: Reader,
    call: Option<Call>,
    status: u16,
    store_bodies: bool,
    ended: bool,
    /// Bytes still to come when the answer declared its length: the server stops reading a
    /// body once that many bytes are sent, so the call is finished at the last byte.
    remaining: Option<u64>,
}

impl ObservedBody {
    pub fn new(
        upstream: BoxStream<'static, reqwest::Result<Bytes>>,
        reader: Reader,
        call: Call,
        status: u16,
        timeout: Duration,
        store_bodies: bool,
        length: Option<u64>,
    ) -> Self {
        let mut body = Self {
            reader,
            call: Some(call),
            status,
            store_bodies,
            remaining: length,
            ..Self::unrecorded(upstream, timeout)
        };
        if length == Some(0) {
            // Nothing will be read: the answer is complete as it is.
            body.complete();
            body.ended = true;
        }
        body
    }

    /// A body passed through without a record (a call that names no model): it is neither
    /// read nor held back; only the idle timeout applies, so a stalled upstream cannot hold
    /// the client's connection open forever.
    pub fn unrecorded(
        upstream: BoxStream<'static, reqwest::Result<Bytes>>,
        timeout: Duration,
    ) -> Self {
        Self {
            upstream,
            idle: Box::pin(tokio::time::sleep(timeout)),
            timeout,
            reader: Reader::whole(false),
            call: None,
            status: 0,
            store_bodies: false,
            ended: false,
            remaining: None,
        }
    }

    /// Reads `piece`; returns what to pass on.
    fn observe(&mut self, piece: Bytes) -> Bytes {
        let Self { reader, call, .. } = self;
        match reader {
            Reader::Events {
                parser,
                observer,
                filter,
            } => {
                let mut kept = Vec::new();
                parser.push(&piece, |event| {
                    let verdict = match event.data {
                        Some(data) => observer.event(data),
                        None => super::observe::Verdict {
                            first_content: false,
                            keep: true,
                        },
                    };
                    if verdict.first_content {
                        if let Some(call) = call.as_mut() {
                            call.first_content();
                        }
                    }
                    if *filter && verdict.keep {
                        kept.extend_from_slice(event.raw);
                    }
                });
                if parser.overflowed() && *filter {
                    // An event too large to be a usage chunk: pass everything on from here.
                    *filter = false;
                    kept.extend_from_slice(&parser.take_pending());
                    return Bytes::from(kept);
                }
                if *filter {
                    Bytes::from(kept)
                } else {
                    piece
                }
            }
            Reader::Whole {
                copy,
                textual,
                overflow,
            } => {
                if *textual && !*overflow {
                    if copy.len() + piece.len() <= MAX_TEXT_BYTES {
                        copy.extend_from_slice(&piece);
                    } else {
                        *overflow = true;
                        *copy = Vec::new();
                    }
                }
                piece
            }
        }
    }

    /// The body ended normally: records the call; returns bytes still held back.
    fn complete(&mut self) -> Bytes {
        let mut tail = Bytes::new();
        let mut outcome = Outcome {
            status: self.status,
            error_type: None,
            error_message: None,
            response_body: None,
            observer: None,
            usage_note: None,
        };
        match std::mem::replace(&mut self.reader, Reader::whole(false)) {
            Reader::Events {
                mut parser,
                mut observer,
                filter,
            } => {
                let mut kept = Vec::new();
                let rest = parser.finish(|event| {
                    let keep = event.data.is_none_or(|data| observer.event(data).keep);
                    if keep {
                        kept.extend_from_slice(event.raw);
                    }
                });
                if filter {
                    kept.extend_from_slice(&rest);
                    tail = Bytes::from(kept);
                }
                if self.store_bodies && !observer.text.is_empty() {
                    outcome.response_body = Some(observer.text.clone());
                }
                if !observer.completed && observer.usage.is_none() {
                    outcome.usage_note = Some("unknown: the stream ended before it was complete");
                }
                outcome.observer = Some(observer);
            }
            Reader::Whole {
                copy,
                textual,
                overflow,
            } => {
                let mut observer = Observer::new(false);
                if textual && !overflow {
                    observer.body(&copy);
                    let text = String::from_utf8_lossy(&copy).into_owned();
                    if self.status >= 400 && observer.error.is_none() {
                        outcome.error_message = Some(text.clone());
                    }
                    if self.store_bodies {
                        outcome.response_body = Some(text);
                    }
                } else if overflow {
                    outcome.usage_note = Some("unknown: the answer was larger than 1 MiB");
                }
                outcome.observer = Some(observer);
            }
        }
        if self.status >= 400 && outcome.error_type.is_none() {
            let from_body = outcome
                .observer
                .as_ref()
                .and_then(|observer| observer.error.as_ref())
                .map(|error| error.kind.clone());
            outcome.error_type = Some(from_body.unwrap_or_else(|| format!("http_{}", self.status)));
        }
        if let Some(call) = self.call.take() {
            call.finish(outcome);
        }
        tail
    }

    /// The body failed: records the call with what was learnt so far.
    fn fail(&mut self, status: u16, error_type: &str, message: String) {
        let mut outcome = Outcome::failed(status, error_type, message);
        if let Reader::Events { observer, .. } =
            std::mem::replace(&mut self.reader, Reader::whole(false))
        {
            if observer.usage.is_some() {
                outcome.usage_note = None;
            }
            if self.store_bodies && !observer.text.is_empty() {
                outcome.response_body = Some(observer.text.clone());
            }
            outcome.observer = Some(observer);
        }
        if let Some(call) = self.call.take() {
            call.finish(outcome);
        }
        self.ended = true;
    }
}

impl Stream for ObservedBody {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.ended {
            return Poll::Ready(None);
        }
        loop {
            match this.upstream.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(piece))) => {
                    let deadline = tokio::time::Instant::now() + this.timeout;
                    this.idle.as_mut().reset(deadline);
                    if let Some(remaining) = this.remaining.as_mut() {
                        *remaining = remaining.saturating_sub(piece.len() as u64);
                    }
                    let mut out = this.observe(piece);
                    if this.remaining == Some(0) {
                        let tail = this.complete();
                        this.ended = true;
                        if !tail.is_empty() {
                            out = [out, tail].concat().into();
                        }
                    }
                    if !out.is_empty() {
                        return Poll::Ready(Some(Ok(out)));
                    }
                    if this.ended {
                        return Poll::Ready(None);
                    }
                }
                Poll::Ready(Some(Err(error))) => {
                    this.fail(
                        502,
                        "upstream_stream_cut",
                        format!("the upstream's answer broke off: {error}"),
                    );
                    return Poll::Ready(Some(Err(std::io::Error::other(
                        "the upstream's answer broke off",
                    ))));
                }
                Poll::Ready(None) => {
                    let tail = this.complete();
                    this.ended = true;
                    return Poll::Ready((!tail.is_empty()).then_some(Ok(tail)));
                }
                Poll::Pending => {
                    if this.idle.poll_unpin(cx).is_ready() {
                        let secs = this.timeout.as_secs();
                        this.fail(
                            504,
                            "upstream_timeout",
                            format!("the upstream sent nothing for {secs} s in the middle of its answer"),
                        );
                        return Poll::Ready(Some(Err(std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "the upstream stopped sending",
                        ))));
                    }
                    return Poll::Pending;
                }
            }
        }
    }
}
