//! The error shape at the edge: `{code, message}` with a stable `code` the UI branches on.

use serde::{Deserialize, Serialize};

use crate::{store::StoreError, validation::ValidationError};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    UnknownCommand,
    Validation,
    NotFound,
    Conflict,
    Unauthorized,
    /// A provider (ElevenLabs, Twilio, …) failed or could not be reached; the message says which and why.
    Upstream,
    Internal,
}

impl ErrorCode {
    /// The HTTP status the UI listener answers with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::BadRequest | ErrorCode::UnknownCommand => 400,
            ErrorCode::Unauthorized => 401,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::Validation => 422,
            ErrorCode::Upstream => 502,
            ErrorCode::Internal => 500,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
        }
    }
}

impl From<ValidationError> for ApiError {
    fn from(e: ValidationError) -> Self {
        ApiError::new(ErrorCode::Validation, e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound { .. } => ApiError::new(ErrorCode::NotFound, e.to_string()),
            StoreError::Conflict(m) => ApiError::new(ErrorCode::Conflict, m),
            other => {
                tracing::error!(error = %other, "store error");
                ApiError::new(ErrorCode::Internal, other.to_string())
            }
        }
    }
}
