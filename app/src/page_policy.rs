//! The Content-Security-Policy of every page, set while the server renders it: scripts only from
//! this site or carrying this response's nonce (Leptos puts it on its hydration script), WebAssembly
//! allowed, styles from this site (style attributes too, for chart bars), images from this site or
//! inline data, no plugins, no `<base>`, forms post only here, and no framing by anyone (a sign-in
//! page inside a foreign frame is how clickjacking starts). Responses that are not pages get the
//! stricter policy of the server's header layer. It must not be relaxed for one page: a page that
//! needs an inline handler uses an event listener instead.

/// Set the policy on the response being rendered (server side; in the browser it does nothing).
pub fn set() {
    #[cfg(feature = "ssr")]
    {
        use leptos::prelude::use_context;
        let (Some(nonce), Some(response)) =
            (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>())
        else {
            return;
        };
        // `cargo leptos watch` reloads pages over a websocket; release builds never do.
        let reload = if cfg!(debug_assertions) { " ws:" } else { "" };
        let policy = format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self' 'nonce-{nonce}'; style-src-attr 'unsafe-inline'; img-src 'self' data:; \
             connect-src 'self'{reload}; object-src 'none'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'"
        );
        if let Ok(value) = http::HeaderValue::from_str(&policy) {
            response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
}
