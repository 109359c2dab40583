//! `ApiError`: what every server function returns on failure, on both sides of the wire.
//!
//! It carries coded domain errors (one, or several for a form) and never database or transport
//! internals. The server maps its kind to an HTTP status in one table (`server::http::status`).

use registrar::{DomainError, ErrorCode, ErrorKind};
use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// The error type of every server function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    /// One coded error.
    #[error("{0}")]
    Domain(DomainError),
    /// Several field errors from one form.
    #[error("{}", .0.first().map(|e| e.message.as_str()).unwrap_or("Some of the input is not valid."))]
    Form(Vec<DomainError>),
    /// The request never reached our code or its answer could not be read (network, malformed input).
    #[error("{0}")]
    Transport(String),
}

impl ApiError {
    /// The errors carried, as a list.
    #[must_use]
    pub fn errors(&self) -> Vec<DomainError> {
        match self {
            Self::Domain(e) => vec![e.clone()],
            Self::Form(list) => list.clone(),
            Self::Transport(msg) => vec![DomainError::with_message(ErrorCode::InputInvalid, msg.clone())],
        }
    }

    /// The message for one form field, if any error concerns it.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<String> {
        self.errors().into_iter().find(|e| e.field.as_deref() == Some(name)).map(|e| e.message)
    }

    /// Messages that concern no particular field (shown at the top of a form).
    #[must_use]
    pub fn general(&self) -> Vec<String> {
        self.errors().into_iter().filter(|e| e.field.is_none()).map(|e| e.message).collect()
    }

    /// The kind that decides the HTTP status.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Domain(e) => e.kind(),
            Self::Form(list) => list.first().map_or(ErrorKind::Invalid, DomainError::kind),
            Self::Transport(_) => ErrorKind::Invalid,
        }
    }

    #[must_use]
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Domain(e) => e.code,
            Self::Form(list) => list.first().map_or(ErrorCode::InputInvalid, |e| e.code),
            Self::Transport(_) => ErrorCode::InputInvalid,
        }
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        Self::Domain(e)
    }
}

impl From<ErrorCode> for ApiError {
    fn from(code: ErrorCode) -> Self {
        Self::Domain(DomainError::new(code))
    }
}

impl From<Vec<DomainError>> for ApiError {
    fn from(list: Vec<DomainError>) -> Self {
        Self::Form(list)
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let message = match value {
            ServerFnErrorErr::Args(msg) => format!("The request was malformed: {msg}"),
            ServerFnErrorErr::MissingArg(msg) => format!("A required field is missing: {msg}"),
            ServerFnErrorErr::Request(msg) => format!("Could not reach the server: {msg}"),
            ServerFnErrorErr::Deserialization(msg) => format!("Could not read the server's answer: {msg}"),
            ServerFnErrorErr::Serialization(msg) => format!("Could not encode the request: {msg}"),
            // Anything else comes from inside the server-function machinery: say so, without its text.
            _ => "The request could not be completed. Please try again.".to_owned(),
        };
        Self::Transport(message)
    }
}
