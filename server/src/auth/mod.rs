//! Authentication: password hashing, secrets for sessions and tokens, and the sign-in rules
//! (throttling and locking). Resolving a request's principal lives in `crate::http::principal`.

pub mod password;
pub mod secret;
