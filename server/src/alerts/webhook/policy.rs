//! The server's webhook policy: which addresses a webhook may be sent to. By default every
//! address that is not plainly public is refused (loopback, link-local, private, shared,
//! unspecified, multicast, broadcast, reserved and documentation ranges, in IPv4 and IPv6,
//! with IPv4 embedded in IPv6 judged as the IPv4 address it reaches). A server administrator
//! may allow host names and IP ranges (`--webhook-allow`).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// IPv4 ranges refused unless allowed.
const REFUSED_V4: [Ipv4Net; 15] = [
    Ipv4Net::new_assert(Ipv4Addr::new(0, 0, 0, 0), 8), // "this network", 0.0.0.0
    Ipv4Net::new_assert(Ipv4Addr::new(10, 0, 0, 0), 8), // private
    Ipv4Net::new_assert(Ipv4Addr::new(100, 64, 0, 0), 10), // shared address space (CGNAT)
    Ipv4Net::new_assert(Ipv4Addr::new(127, 0, 0, 0), 8), // loopback
    Ipv4Net::new_assert(Ipv4Addr::new(169, 254, 0, 0), 16), // link-local, cloud metadata
    Ipv4Net::new_assert(Ipv4Addr::new(172, 16, 0, 0), 12), // private
    Ipv4Net::new_assert(Ipv4Addr::new(192, 0, 0, 0), 24), // IETF protocol assignments
    Ipv4Net::new_assert(Ipv4Addr::new(192, 0, 2, 0), 24), // documentation
    Ipv4Net::new_assert(Ipv4Addr::new(192, 88, 99, 0), 24), // 6to4 relay anycast
    Ipv4Net::new_assert(Ipv4Addr::new(192, 168, 0, 0), 16), // private
    Ipv4Net::new_assert(Ipv4Addr::new(198, 18, 0, 0), 15), // benchmarking
    Ipv4Net::new_assert(Ipv4Addr::new(198, 51, 100, 0), 24), // documentation
    Ipv4Net::new_assert(Ipv4Addr::new(203, 0, 113, 0), 24), // documentation
    Ipv4Net::new_assert(Ipv4Addr::new(224, 0, 0, 0), 4), // multicast
    Ipv4Net::new_assert(Ipv4Addr::new(240, 0, 0, 0), 4), // reserved, and broadcast
];

/// IPv6 ranges refused unless allowed (IPv4-mapped addresses are judged as IPv4 first).
const REFUSED_V6: [Ipv6Net; 12] = [
    Ipv6Net::new_assert(Ipv6Addr::UNSPECIFIED, 96), // ::, ::1 and IPv4-compatible (deprecated)
    Ipv6Net::new_assert(Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, 0, 0), 96), // IPv4-translated
    Ipv6Net::new_assert(Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48), // local NAT64
    Ipv6Net::new_assert(Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64), // discard
    Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23), // IETF, Teredo
    Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
    Ipv6Net::new_assert(Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20), // documentation
    Ipv6Net::new_assert(Ipv6Addr::new(0x5f00, 0, 0, 0, 0, 0, 0, 0), 16), // segment routing
    Ipv6Net::new_assert(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7), // unique local
    Ipv6Net::new_assert(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10), // link-local
    Ipv6Net::new_assert(Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10), // site-local (old)
    Ipv6Net::new_assert(Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8), // multicast
];

/// IPv6 ranges that carry an IPv4 address in their last 32 bits (NAT64) or in bits 16 to 48
/// (6to4): judged by that address.
const NAT64: Ipv6Net = Ipv6Net::new_assert(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96);
const SIX_TO_FOUR: Ipv6Net = Ipv6Net::new_assert(Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16);

/// Whether `ip` is refused by the default policy (not plainly a public address).
pub fn refused_by_default(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => REFUSED_V4.iter().any(|net| net.contains(&v4)),
        IpAddr::V6(v6) => {
            let [_, second, third, .., seventh, eighth] = v6.segments();
            let embedded = |high: u16, low: u16| {
                IpAddr::V4(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low)))
            };
            if NAT64.contains(&v6) {
                return refused_by_default(embedded(seventh, eighth));
            }
            if SIX_TO_FOUR.contains(&v6) {
                return refused_by_default(embedded(second, third));
            }
            REFUSED_V6.iter().any(|net| net.contains(&v6))
        }
    }
}

/// `ip` as the address it reaches: an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) is IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

/// One `--webhook-allow` entry: a host name (every address it resolves to is allowed) or an
/// IP range in CIDR form (a single address is a range of one).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowEntry {
    Host(String),
    Range(IpNet),
}

/// Why an allow entry does not parse.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AllowEntryError {
    #[error("an empty entry (entries are separated by commas)")]
    Empty,
    #[error("{0:?} is not an IP range: write it as address/prefix, as 10.0.0.0/8")]
    Range(String),
    #[error("{0:?} is neither a host name nor an IP address or range")]
    Host(String),
}

impl FromStr for AllowEntry {
    type Err = AllowEntryError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AllowEntryError::Empty);
        }
        if let Some((address, _)) = text.split_once('/') {
            return match IpNet::from_str(text) {
                Ok(net) => Ok(AllowEntry::Range(net.trunc())),
                Err(_) if address.parse::<IpAddr>().is_ok() => {
                    Err(AllowEntryError::Range(text.to_owned()))
                }
                Err(_) => Err(AllowEntryError::Host(text.to_owned())),
            };
        }
        let bare = text.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = IpAddr::from_str(bare) {
            return Ok(AllowEntry::Range(IpNet::from(ip)));
        }
        let host = normal_host(text);
        if is_host_name(&host) {
            Ok(AllowEntry::Host(host))
        } else {
            Err(AllowEntryError::Host(text.to_owned()))
        }
    }
}

/// A comma-separated list of allow entries, as `--webhook-allow` takes it (empty items, as in
/// an empty variable or a trailing comma, are skipped).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AllowList(pub Vec<AllowEntry>);

impl FromStr for AllowList {
    type Err = AllowEntryError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        text.split(',')
            .filter(|item| !item.trim().is_empty())
            .map(AllowEntry::from_str)
            .collect::<Result<Vec<_>, _>>()
            .map(AllowList)
    }
}

/// A host name as compared: lowercase, without a final dot.
fn normal_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// Letters, digits and hyphens in dot-separated labels of 1 to 63 characters, 253 at most, and
/// not a dotted number (a mistyped address).
fn is_host_name(host: &str) -> bool {
    let label_ok = |label: &str| {
        (1..=63).contains(&label.len())
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-')
    };
    let last_is_number = host
        .rsplit('.')
        .next()
        .is_some_and(|label| label.bytes().all(|byte| byte.is_ascii_digit()));
    host.len() <= 253 && host.split('.').all(label_ok) && !last_is_number
}

/// Where webhooks may go: everything public, plus what the server administrator allowed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WebhookPolicy {
    hosts: Vec<String>,
    ranges: Vec<IpNet>,
}

impl WebhookPolicy {
    /// The default policy widened by the entries of `lists`.
    pub fn from_lists(lists: &[AllowList]) -> Self {
        Self::allowing(lists.iter().flat_map(|list| list.0.iter().cloned()))
    }

    /// The default policy widened by `entries`.
    pub fn allowing(entries: impl IntoIterator<Item = AllowEntry>) -> Self {
        let mut policy = Self::default();
        for entry in entries {
            match entry {
                AllowEntry::Host(host) => policy.hosts.push(host),
                AllowEntry::Range(range) => policy.ranges.push(range),
            }
        }
        policy
    }

    /// Whether host name `host` was allowed by name (its every address may be reached).
    pub fn allows_host(&self, host: &str) -> bool {
        let host = normal_host(host);
        self.hosts.contains(&host)
    }

    /// Whether address `ip` may be reached.
    pub fn allows(&self, ip: IpAddr) -> bool {
        if !refused_by_default(ip) {
            return true;
        }
        let reached = canonical(ip);
        self.ranges
            .iter()
            .any(|range| range.contains(&ip) || range.contains(&reached))
    }

    /// Whether nothing beyond the default was allowed.
    pub fn is_default(&self) -> bool {
        self.hosts.is_empty() && self.ranges.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn internal_addresses_are_refused_by_default() {
        for text in [
            "127.0.0.1",
            "127.255.0.9",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
        ] {
            assert!(refused_by_default(ip(text)), "{text} must be refused");
        }
    }

    #[test]
    fn public_addresses_pass_by_default() {
        for text in [
            "1.1.1.1",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
        ] {
            assert!(!refused_by_default(ip(text)), "{text} must pass");
        }
    }

    #[test]
    fn allowed_ranges_open_only_themselves() {
        let policy = WebhookPolicy::allowing([
            "127.0.0.1/32".parse().expect("range"),
            "10.0.0.0/8".parse().expect("range"),
        ]);
        assert!(policy.allows(ip("127.0.0.1")));
        assert!(policy.allows(ip("::ffff:127.0.0.1")));
        assert!(policy.allows(ip("10.9.8.7")));
        assert!(!policy.allows(ip("127.0.0.2")));
        assert!(!policy.allows(ip("169.254.169.254")));
        assert!(!policy.allows(ip("::1")));
        assert!(policy.allows(ip("1.1.1.1")));
    }

    #[test]
    fn allow_entries_parse_hosts_ranges_and_single_addresses() {
        let parse = |text: &str| text.parse::<AllowEntry>();
        assert_eq!(
            parse(" Hooks.Internal. "),
            Ok(AllowEntry::Host("hooks.internal".into()))
        );
        assert_eq!(
            parse("10.1.2.3/8"),
            Ok(AllowEntry::Range("10.0.0.0/8".parse().expect("net")))
        );
        assert_eq!(
            parse("[::1]"),
            Ok(AllowEntry::Range("::1/128".parse().expect("net")))
        );
        assert_eq!(parse(""), Err(AllowEntryError::Empty));
        assert_eq!(
            " 10.0.0.0/8, ,hooks.internal,".parse::<AllowList>(),
            Ok(AllowList(vec![
                parse("10.0.0.0/8").expect("range"),
                parse("hooks.internal").expect("host")
            ]))
        );
        assert_eq!("".parse::<AllowList>(), Ok(AllowList::default()));
        assert!(matches!(
            parse("10.0.0.0/33"),
            Err(AllowEntryError::Range(_))
        ));
        for bad in ["http://x", "a_b.internal", "10.0.0", "-x.internal", "x..y"] {
            assert!(matches!(parse(bad), Err(AllowEntryError::Host(_))), "{bad}");
        }
    }

    #[test]
    fn hosts_allowed_by_name_match_without_case_or_final_dot() {
        let policy = WebhookPolicy::allowing(["hooks.internal".parse().expect("host")]);
        assert!(policy.allows_host("HOOKS.internal."));
        assert!(!policy.allows_host("evil-hooks.internal"));
        assert!(!policy.allows(ip("127.0.0.1")));
    }
}
