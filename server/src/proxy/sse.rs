//! An incremental Server-Sent Events parser: bytes in, in whatever pieces the network delivers
//! them, complete events out, each with its raw bytes (so an event can be passed on unchanged
//! or left out) and its `data` joined as the SSE rules say.
//!
//! Lines end in `\n`, `\r\n` or `\r`; a blank line ends an event; `data:` lines are joined with
//! `\n`, one leading space after the colon is dropped; other fields and comments are ignored.
//! A `\r` at the very end of the input waits for the next piece (it may be half of `\r\n`).

/// One complete event.
#[derive(Debug, PartialEq, Eq)]
pub struct Event<'a> {
    /// The event's bytes as received, its closing blank line included.
    pub raw: &'a [u8],
    /// The joined `data` lines; `None` when the event had none.
    pub data: Option<&'a [u8]>,
}

/// Events larger than this stop the parser (see [`SseParser::overflowed`]).
pub const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// The parser's state between pieces.
#[derive(Default)]
pub struct SseParser {
    /// The bytes of the event being received.
    pending: Vec<u8>,
    /// Where in `pending` the current line starts.
    line_start: usize,
    data: Vec<u8>,
    has_data: bool,
    overflowed: bool,
}

impl SseParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Whether an event outgrew [`MAX_EVENT_BYTES`]; the parser then gives up (the bytes it
    /// held are returned by `push`'s caller through [`SseParser::take_pending`]).
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// Feeds `piece`; calls `on_event` for each event it completes, in order.
    pub fn push(&mut self, piece: &[u8], mut on_event: impl FnMut(Event<'_>)) {
        if self.overflowed {
            return;
        }
        self.pending.extend_from_slice(piece);
        self.scan(false, &mut on_event);
    }

    /// The input has ended: a final `\r` ends its line, events completed by it are passed to
    /// `on_event`, and the bytes of an unfinished event are returned.
    pub fn finish(&mut self, mut on_event: impl FnMut(Event<'_>)) -> Vec<u8> {
        if !self.overflowed {
            self.scan(true, &mut on_event);
        }
        self.take_pending()
    }

    fn scan(&mut self, at_end: bool, on_event: &mut impl FnMut(Event<'_>)) {
        let mut consumed = 0;
        while let Some((line_end, next)) = line_end(&self.pending, self.line_start, at_end) {
            let line = &self.pending[self.line_start..line_end];
            if line.is_empty() {
                let event = Event {
                    raw: &self.pending[consumed..next],
                    data: self.has_data.then_some(self.data.as_slice()),
                };
                on_event(event);
                consumed = next;
                self.data.clear();
                self.has_data = false;
            } else if let Some(value) = field_value(line, b"data") {
                if self.has_data {
                    self.data.push(b'\n');
                }
                self.data.extend_from_slice(value);
                self.has_data = true;
            }
            self.line_start = next;
        }
        if consumed > 0 {
            self.pending.drain(..consumed);
            self.line_start -= consumed;
        }
        if self.pending.len() > MAX_EVENT_BYTES {
            self.overflowed = true;
        }
    }

    /// The bytes of an unfinished event (for example when the stream ends without a closing
    /// blank line, or after an overflow), leaving the parser empty.
    pub fn take_pending(&mut self) -> Vec<u8> {
        self.line_start = 0;
        self.data.clear();
        self.has_data = false;
        std::mem::take(&mut self.pending)
    }
}

/// The end of the line starting at `start` and where the next line starts, when the line is
/// complete.
fn line_end(buffer: &[u8], start: usize, at_end: bool) -> Option<(usize, usize)> {
    let offset = buffer[start..]
        .iter()
        .position(|byte| *byte == b'\n' || *byte == b'\r')?;
    let end = start + offset;
    if buffer[end] == b'\n' {
        return Some((end, end + 1));
    }
    // A `\r`: the line ends here; a following `\n` belongs to it, so wait when it may come.
    match buffer.get(end + 1) {
        Some(b'\n') => Some((end, end + 2)),
        Some(_) => Some((end, end + 1)),
        None => at_end.then_some((end, end + 1)),
    }
}

/// The value of `line` when its field is `name` (`data: x`, `data:x`, or a bare `data`).
fn field_value<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let rest = line.strip_prefix(name)?;
    match rest.first() {
        None => Some(rest),
        Some(b':') => {
            let value = &rest[1..];
            Some(value.strip_prefix(b" ").unwrap_or(value))
        }
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every event of `input` fed in pieces cut at `cuts`: (raw, data).
    /// An event as (raw bytes, data).
    type Owned = (Vec<u8>, Option<Vec<u8>>);

    fn events(input: &[u8], cuts: &[usize]) -> (Vec<Owned>, Vec<u8>) {
        let mut parser = SseParser::new();
        let mut out = Vec::new();
        let mut from = 0;
        let mut points: Vec<usize> = cuts.iter().map(|cut| cut % (input.len() + 1)).collect();
        points.sort_unstable();
        points.push(input.len());
        for to in points {
            parser.push(&input[from..to], |event| {
                out.push((event.raw.to_vec(), event.data.map(<[u8]>::to_vec)))
            });
            from = to;
        }
        let rest =
            parser.finish(|event| out.push((event.raw.to_vec(), event.data.map(<[u8]>::to_vec))));
        (out, rest)
    }

    #[test]
    fn chat_chunks_with_every_line_ending() {
        for ending in ["\n", "\r\n", "\r"] {
            let text = format!(
                "data: {{\"a\":1}}{e}{e}: keep-alive{e}{e}event: x{e}data: two{e}data:lines{e}{e}data: [DONE]{e}{e}",
                e = ending
            );
            let (out, rest) = events(text.as_bytes(), &[]);
            let data: Vec<_> = out.iter().map(|(_, data)| data.clone()).collect();
            assert_eq!(
                data,
                vec![
                    Some(b"{\"a\":1}".to_vec()),
                    None,
                    Some(b"two\nlines".to_vec()),
                    Some(b"[DONE]".to_vec())
                ],
                "ending {ending:?}"
            );
            let joined: Vec<u8> = out.iter().flat_map(|(raw, _)| raw.clone()).collect();
            assert_eq!(joined, text.as_bytes());
            assert!(rest.is_empty());
        }
    }

    #[test]
    fn a_carriage_return_split_from_its_line_feed_is_one_line_end() {
        let (out, _) = events(b"data: a\r\n\r\ndata: b\r\n\r\n", &[8, 10]);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].1.as_deref(), Some(&b"a"[..]));
    }

    #[test]
    fn an_unfinished_event_is_returned_not_dispatched() {
        let (out, rest) = events(b"data: a\n\ndata: cut", &[]);
        assert_eq!(out.len(), 1);
        assert_eq!(rest, b"data: cut");
    }

    #[test]
    fn an_endless_event_stops_the_parser() {
        let mut parser = SseParser::new();
        let big = vec![b'x'; MAX_EVENT_BYTES + 1];
        parser.push(&big, |_| panic!("no event"));
        assert!(parser.overflowed());
        assert_eq!(parser.take_pending().len(), MAX_EVENT_BYTES + 1);
    }

    fn sse_text() -> impl Strategy<Value = Vec<u8>> {
        let line = prop_oneof![
            "data: [a-z{}\":,]{0,12}".prop_map(String::from),
            "data:[a-z]{0,5}".prop_map(String::from),
            Just("data".to_owned()),
            ": comment".prop_map(String::from),
            "event: [a-z]{1,5}".prop_map(String::from),
            "id: [0-9]{1,3}".prop_map(String::from),
            Just(String::new()),
        ];
        let ending = prop_oneof![Just("\n"), Just("\r\n"), Just("\r")];
        proptest::collection::vec((line, ending), 0..40).prop_map(|lines| {
            lines
                .into_iter()
                .flat_map(|(line, ending)| format!("{line}{ending}").into_bytes())
                .collect()
        })
    }

    proptest! {
        /// However the input is cut, the same events come out, and nothing is lost: the events'
        /// raw bytes plus what is left equal the input.
        #[test]
        fn cutting_never_changes_the_events(input in sse_text(), cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
            let whole = events(&input, &[]);
            let pieces = events(&input, &cuts);
            prop_assert_eq!(&whole, &pieces);
            let mut joined: Vec<u8> = whole.0.iter().flat_map(|(raw, _)| raw.clone()).collect();
            joined.extend_from_slice(&whole.1);
            prop_assert_eq!(joined, input);
        }

        /// Arbitrary bytes never panic and never lose a byte.
        #[test]
        fn arbitrary_bytes_are_kept(input in proptest::collection::vec(any::<u8>(), 0..512), cuts in proptest::collection::vec(any::<usize>(), 0..8)) {
            let (out, rest) = events(&input, &cuts);
            let mut joined: Vec<u8> = out.iter().flat_map(|(raw, _)| raw.clone()).collect();
            joined.extend_from_slice(&rest);
            prop_assert_eq!(joined, input);
        }
    }
}
