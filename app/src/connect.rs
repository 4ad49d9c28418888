//! "Connect an app": this server's public address as a request reached it (checked, so only a
//! plain scheme and host ever reach a snippet), and the snippets a new key is shown with: the
//! ingest API with `curl`, the OpenAI SDKs through the proxy (Python, JavaScript), and the
//! OpenTelemetry exporter's environment. Pure code, shared by the server and the browser.

/// Longest host (with its port) accepted: a DNS name's 253 characters and `:65535`.
const MAX_HOST_BYTES: usize = 253 + 6;

/// Whether `name` is a host name as URLs write it: dot-separated labels of letters, digits,
/// `-` and `_` (container and internal names use it), 1 to 63 bytes each, no label starting
/// or ending with `-`.
fn is_host_name(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|label| {
            (1..=63).contains(&label.len())
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_'))
        })
}

/// Whether `port` is a port number (1 to 65535, digits only).
fn is_port(port: &str) -> bool {
    !port.is_empty()
        && port.len() <= 5
        && port.bytes().all(|byte| byte.is_ascii_digit())
        && port
            .parse::<u32>()
            .is_ok_and(|number| (1..=65_535).contains(&number))
}

/// The base URL (`http://host:port`, no trailing slash) of a request that reached this server
/// as `host` (its `Host` header or URI authority), over HTTPS when `https`; `None` when `host`
/// is not a plain host (a name, an IPv4 address or a bracketed IPv6 address, with an optional
/// port), so nothing a client sends can put more than that into a snippet.
pub fn base_url(https: bool, host: &str) -> Option<String> {
    if host.is_empty() || host.len() > MAX_HOST_BYTES {
        return None;
    }
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let (address, after) = rest.split_once(']')?;
        address.parse::<std::net::Ipv6Addr>().ok()?;
        match after {
            "" => (host, None),
            _ => (&host[..address.len() + 2], Some(after.strip_prefix(':')?)),
        }
    } else {
        match host.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (host, None),
        }
    };
    let plain_name = name.starts_with('[') || is_host_name(name);
    if !plain_name || port.is_some_and(|port| !is_port(port)) {
        return None;
    }
    let scheme = if https { "https" } else { "http" };
    Some(format!("{scheme}://{host}"))
}

/// One snippet: what it is for and its text, ready to paste.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snippet {
    /// A stable name (`curl`, `python`, `javascript`, `otel`) for tests and anchors.
    pub id: &'static str,
    pub title: &'static str,
    /// One line on what it does.
    pub note: &'static str,
    pub text: String,
}

/// The snippets for `key` on the server at `base` (a checked [`base_url`]).
pub fn snippets(base: &str, key: &str) -> Vec<Snippet> {
    vec![
        Snippet {
            id: "curl",
            title: "Send a call with curl",
            note: "Records one call now through the ingest API (POST /api/v1/requests).",
            text: format!(
                "curl -s {base}/api/v1/requests \\\n  \
                 -H \"Authorization: Bearer {key}\" \\\n  \
                 -H \"Content-Type: application/json\" \\\n  \
                 -d '[{{\"timestamp\": '\"$(date +%s000)\"', \"model\": \"gpt-4o-mini\", \
                 \"status\": 200, \"latency_ms\": 850, \
                 \"usage\": {{\"input_tokens\": 120, \"output_tokens\": 40}}}}]'"
            ),
        },
        Snippet {
            id: "python",
            title: "OpenAI SDK through the proxy (Python)",
            note: "Every call goes to your provider through Modelwatch and is recorded \
                   (the server needs --proxy-config).",
            text: format!(
                "from openai import OpenAI\n\n\
                 client = OpenAI(base_url=\"{base}/proxy/v1\", api_key=\"{key}\")\n\
                 reply = client.chat.completions.create(\n    \
                 model=\"gpt-4o-mini\",\n    \
                 messages=[{{\"role\": \"user\", \"content\": \"Hello\"}}],\n)\n\
                 print(reply.choices[0].message.content)"
            ),
        },
        Snippet {
            id: "javascript",
            title: "OpenAI SDK through the proxy (JavaScript)",
            note: "The same with the openai package for Node.js (the server needs \
                   --proxy-config).",
            text: format!(
                "import OpenAI from \"openai\";\n\n\
                 const client = new OpenAI({{ baseURL: \"{base}/proxy/v1\", apiKey: \"{key}\" }});\n\
                 const reply = await client.chat.completions.create({{\n  \
                 model: \"gpt-4o-mini\",\n  \
                 messages: [{{ role: \"user\", content: \"Hello\" }}],\n}});\n\
                 console.log(reply.choices[0].message.content);"
            ),
        },
        Snippet {
            id: "otel",
            title: "OpenTelemetry exporter",
            note: "For apps instrumented with OpenTelemetry's GenAI conventions: spans go to \
                   the OTLP receiver (traces only).",
            text: format!(
                "export OTEL_EXPORTER_OTLP_TRACES_ENDPOINT={base}/v1/traces\n\
                 export OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf\n\
                 export OTEL_EXPORTER_OTLP_HEADERS=\"Authorization=Bearer%20{key}\"\n\
                 export OTEL_METRICS_EXPORTER=none\n\
                 export OTEL_LOGS_EXPORTER=none"
            ),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_host_becomes_the_base_url() {
        assert_eq!(
            base_url(false, "modelwatch.test"),
            Some("http://modelwatch.test".to_owned())
        );
        assert_eq!(
            base_url(true, "mw.example.com:8443"),
            Some("https://mw.example.com:8443".to_owned())
        );
        assert_eq!(
            base_url(false, "127.0.0.2:41234"),
            Some("http://127.0.0.2:41234".to_owned())
        );
        assert_eq!(
            base_url(false, "[::1]:3000"),
            Some("http://[::1]:3000".to_owned())
        );
        assert_eq!(
            base_url(false, "[fe80::1]"),
            Some("http://[fe80::1]".to_owned())
        );
        assert_eq!(
            base_url(false, "model_watch:3000"),
            Some("http://model_watch:3000".to_owned())
        );
    }

    #[test]
    fn anything_but_a_plain_host_is_refused() {
        for host in [
            "",
            "evil.example/path",
            "a b",
            "host:",
            "host:0",
            "host:65536",
            "host:80:81",
            "host:+80",
            "user@host",
            "-bad.example",
            "bad-.example",
            "a..b",
            "[::1",
            "[not-v6]:80",
            "[::1]x",
            "host\"; rm -rf /",
            "host'$(id)'",
            "h\u{e9}te.example",
        ] {
            assert_eq!(base_url(false, host), None, "{host:?}");
        }
        assert_eq!(base_url(false, &"a".repeat(64)), None, "a label over 63");
        let long = vec!["a".repeat(60); 5].join(".");
        assert_eq!(base_url(false, &long), None, "a host over 259 bytes");
    }

    #[test]
    fn every_snippet_carries_the_url_and_the_key() {
        let all = snippets("https://mw.example", "mw_0123");
        let ids: Vec<&str> = all.iter().map(|snippet| snippet.id).collect();
        assert_eq!(ids, ["curl", "python", "javascript", "otel"]);
        for snippet in &all {
            assert!(
                snippet.text.contains("https://mw.example/"),
                "{}",
                snippet.id
            );
            assert!(snippet.text.contains("mw_0123"), "{}", snippet.id);
            assert!(!snippet.text.contains("localhost"), "{}", snippet.id);
        }
    }

    #[test]
    fn the_snippets_read_as_their_tools_expect() {
        let all = snippets("http://10.0.0.5:3000", "mw_ab");
        assert_eq!(
            all[0].text,
            "curl -s http://10.0.0.5:3000/api/v1/requests \\\n  \
             -H \"Authorization: Bearer mw_ab\" \\\n  \
             -H \"Content-Type: application/json\" \\\n  \
             -d '[{\"timestamp\": '\"$(date +%s000)\"', \"model\": \"gpt-4o-mini\", \
             \"status\": 200, \"latency_ms\": 850, \
             \"usage\": {\"input_tokens\": 120, \"output_tokens\": 40}}]'"
        );
        assert!(all[1]
            .text
            .contains("OpenAI(base_url=\"http://10.0.0.5:3000/proxy/v1\", api_key=\"mw_ab\")"));
        assert!(all[2].text.contains(
            "new OpenAI({ baseURL: \"http://10.0.0.5:3000/proxy/v1\", apiKey: \"mw_ab\" })"
        ));
        assert_eq!(
            all[3].text,
            "export OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://10.0.0.5:3000/v1/traces\n\
             export OTEL_EXPORTER_OTLP_TRACES_PROTOCOL=http/protobuf\n\
             export OTEL_EXPORTER_OTLP_HEADERS=\"Authorization=Bearer%20mw_ab\"\n\
             export OTEL_METRICS_EXPORTER=none\n\
             export OTEL_LOGS_EXPORTER=none"
        );
    }
}
