//! JSON request bodies: [`decode`] reads a body into a request type and, when it does not
//! fit, names the failing field with a message that never echoes the input. The API's
//! `Json<T>` extractor answers [`BodyError::Malformed`] with 400 and
//! [`BodyError::Invalid`] with 422.

use serde::de::DeserializeOwned;

/// Why a body was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyError {
    /// Not JSON at all (or trailing text after it): where reading stopped.
    Malformed { line: usize, column: usize },
    /// JSON that does not fit the type: the field's path (`address.city`, `add_ons[1]`,
    /// `body` for the whole) and what is wrong with it.
    Invalid { field: String, message: String },
}

/// Decodes `bytes` as `T`, naming the field that does not fit. Text holding the NUL
/// character (which PostgreSQL cannot store) is refused like any invalid field.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, BodyError> {
    // Only the JSON escape can put a NUL in a string; a raw 0x00 is not JSON at all.
    if bytes.windows(6).any(|window| window == b"\\u0000") {
        if let Some(field) = serde_json::from_slice(bytes)
            .ok()
            .as_ref()
            .and_then(crate::nul::nul_path)
        {
            return Err(BodyError::Invalid {
                field,
                message: crate::nul::MESSAGE.to_owned(),
            });
        }
    }
    let malformed = |err: &serde_json::Error| BodyError::Malformed {
        line: err.line(),
        column: err.column(),
    };
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        if !inner.is_data() {
            return malformed(&inner);
        }
        let (field, message) = describe(&path, &inner);
        BodyError::Invalid { field, message }
    })?;
    deserializer.end().map_err(|err| malformed(&err))?;
    Ok(value)
}

/// A field name and a message for a data error, without the offending value.
fn describe(path: &str, err: &serde_json::Error) -> (String, String) {
    let full = err.to_string();
    let text = full.split(" at line ").next().unwrap_or(&full);
    let at = |name: &str| match path {
        "." | "" => name.to_owned(),
        parent => format!("{parent}.{name}"),
    };
    let here = || match path {
        "." | "" => "body".to_owned(),
        path => path.to_owned(),
    };
    if let Some(name) = between(text, "missing field `", "`") {
        return (at(name), "is required".to_owned());
    }
    if let Some(name) = between(text, "unknown field `", "`") {
        // The path already ends at the unknown key.
        let field = if path == name || path.ends_with(&format!(".{name}")) {
            path.to_owned()
        } else {
            at(name)
        };
        // The empty key (`{"": 1}`) has no name to give: the object it is in.
        let field = if field.is_empty() { here() } else { field };
        return (field, "is not allowed".to_owned());
    }
    if let Some((_, expected)) = text.split_once(", expected ") {
        return (here(), format!("must be {expected}"));
    }
    if text.starts_with("invalid type") || text.starts_with("invalid value") {
        return (here(), "has the wrong type or value".to_owned());
    }
    // A custom message from our own validation (`#[serde(try_from)]` and friends).
    (here(), text.to_owned())
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let rest = text.strip_prefix(start)?;
    rest.split_once(end).map(|(inside, _)| inside)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Signup {
        email: String,
        age: u8,
        address: Address,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Address {
        city: String,
    }

    fn fields(body: &str) -> BTreeMap<String, String> {
        match decode::<Signup>(body.as_bytes()) {
            Err(BodyError::Invalid { field, message }) => BTreeMap::from([(field, message)]),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn data_errors_name_the_field_without_echoing_the_value() {
        let wrong_type =
            fields(r#"{"email": "a@b.c", "age": "hunter2", "address": {"city": "x"}}"#);
        assert_eq!(wrong_type["age"], "must be u8");
        let too_big = fields(r#"{"email": "a@b.c", "age": 999, "address": {"city": "x"}}"#);
        assert_eq!(too_big["age"], "must be u8");
        let missing = fields(r#"{"email": "a@b.c", "age": 1, "address": {}}"#);
        assert_eq!(missing["address.city"], "is required");
        let top_missing = fields(r#"{"age": 1, "address": {"city": "x"}}"#);
        assert_eq!(top_missing["email"], "is required");
        let unknown =
            fields(r#"{"email": "a", "age": 1, "address": {"city": "x"}, "admin": true}"#);
        assert_eq!(
            unknown.get("admin").map(String::as_str),
            Some("is not allowed"),
            "{unknown:?}"
        );
        // Found by fuzzing (json_body): the empty key was named as the empty field.
        let empty_key = fields(r#"{"": 1, "email": "a", "age": 1, "address": {"city": "x"}}"#);
        assert_eq!(empty_key["body"], "is not allowed");
        let nul = fields(r#"{"email": "a\u0000", "age": 1, "address": {"city": "x"}}"#);
        assert_eq!(nul["email"], crate::nul::MESSAGE);
        let everything = format!("{wrong_type:?}{too_big:?}");
        assert!(!everything.contains("hunter2") && !everything.contains("999"));
    }

    #[test]
    fn syntax_errors_and_trailing_garbage_are_malformed() {
        for body in [
            r#"{"email": "#,
            r#"{"email": "a", "age": 1, "address": {"city": "x"}} x"#,
            "",
        ] {
            assert!(
                matches!(
                    decode::<Signup>(body.as_bytes()),
                    Err(BodyError::Malformed { .. })
                ),
                "{body}"
            );
        }
    }
}
