//! The browser and system a session was opened from, in words ("Firefox 128 on Linux"), read from
//! its User-Agent string with the `woothee` parser (a maintained project with test data shared
//! across languages). Presentation only: it must not decide anything about access.

/// The parser compiles its patterns once.
static PARSER: std::sync::LazyLock<woothee::parser::Parser> =
    std::sync::LazyLock::new(woothee::parser::Parser::new);
const UNKNOWN: &str = "UNKNOWN";

/// `user_agent` in words; "Unknown device" when it is empty, and a script or command-line client's
/// own name and major version when it names no system.
#[must_use]
pub fn describe(user_agent: &str) -> String {
    let ua = user_agent.trim();
    if ua.is_empty() {
        return "Unknown device".to_owned();
    }
    // Browsers name their system; scripts and libraries (curl/8.5, python-requests/2.31) do not,
    // and read best as their own product name and major version.
    let Some(found) = PARSER.parse(ua).filter(|r| r.name != UNKNOWN && r.os != UNKNOWN) else {
        let product = ua.split(' ').next().unwrap_or(ua);
        let (name, version) = product.split_once('/').unwrap_or((product, ""));
        let major = version.split('.').next().unwrap_or_default();
        let name: String = name.chars().take(40).collect();
        return if major.is_empty() { name } else { format!("{name} {major}") };
    };
    let major = found.version.split('.').next().unwrap_or_default();
    let browser = if major.is_empty() || major == UNKNOWN {
        found.name.to_owned()
    } else {
        format!("{} {major}", found.name)
    };
    format!("{browser} on {}", found.os)
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn browsers_read_as_people_say_them() {
        let firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
        assert_eq!(describe(firefox), "Firefox 128 on Linux");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 \
                      (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert!(describe(iphone).starts_with("Safari 17 on iPhone"), "{}", describe(iphone));
        assert_eq!(describe("curl/8.5.0"), "curl 8");
        assert_eq!(describe("MyCampusSync/2.1 (ops@example.org)"), "MyCampusSync 2");
        assert_eq!(describe("sync-bot"), "sync-bot");
        assert_eq!(describe("  "), "Unknown device");
    }
}
