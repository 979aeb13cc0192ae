//! The one error envelope every API error uses:
//! `{"error": {"code": "snake_case_code", "message": "…", "fields": {"field": "…"}}}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The body of every error response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

/// What went wrong, for machines (`code`) and people (`message`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// Stable snake_case code clients can match on, e.g. `validation_failed`.
    #[cfg_attr(feature = "server", schema(example = "validation_failed"))]
    pub code: String,
    /// Human-readable explanation, safe to show to the user.
    pub message: String,
    /// Per-field messages for validation errors (422); empty otherwise.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, String>,
}

impl ErrorEnvelope {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: ErrorBody {
                code: code.into(),
                message: message.into(),
                fields: BTreeMap::new(),
            },
        }
    }

    pub fn with_field(mut self, field: impl Into<String>, message: impl Into<String>) -> Self {
        self.error.fields.insert(field.into(), message.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_omitted_when_empty_and_kept_otherwise() {
        let plain = serde_json::to_value(ErrorEnvelope::new("not_found", "No such thing")).unwrap();
        assert_eq!(
            plain,
            serde_json::json!({"error": {"code": "not_found", "message": "No such thing"}})
        );
        let with_field = ErrorEnvelope::new("validation_failed", "Check the form")
            .with_field("email", "must be an email address");
        let value = serde_json::to_value(&with_field).unwrap();
        assert_eq!(
            value["error"]["fields"]["email"],
            "must be an email address"
        );
        let back: ErrorEnvelope = serde_json::from_value(value).unwrap();
        assert_eq!(back, with_field);
    }
}
