//! Text with the NUL character, which PostgreSQL cannot store (`text` and `jsonb` refuse
//! `0x00`): [`nul_path`] finds it in a JSON value, so [`crate::json::decode`] refuses the
//! body as a 422 naming the field instead of failing deep inside a query as a 500.

/// What every field with a NUL is told.
pub const MESSAGE: &str = "must not contain the NUL character";

/// The path (`add_ons[1].price_id`, `body` for the whole) of the first string in `value`
/// holding a NUL character, if any.
pub fn nul_path(value: &serde_json::Value) -> Option<String> {
    fn walk(value: &serde_json::Value, path: &mut String) -> bool {
        match value {
            serde_json::Value::String(text) => text.contains('\0'),
            serde_json::Value::Array(items) => items.iter().enumerate().any(|(index, item)| {
                let len = path.len();
                path.push_str(&format!("[{index}]"));
                let found = walk(item, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            serde_json::Value::Object(fields) => fields.iter().any(|(key, item)| {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&key.replace('\0', ""));
                let found = key.contains('\0') || walk(item, path);
                if !found {
                    path.truncate(len);
                }
                found
            }),
            _ => false,
        }
    }
    let mut path = String::new();
    walk(value, &mut path).then(|| {
        if path.is_empty() {
            "body".to_owned()
        } else {
            path
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_string_with_a_nul_is_named_by_its_path() {
        assert_eq!(nul_path(&json!({"name": "Ada"})), None);
        assert_eq!(
            nul_path(&json!({"name": "A\u{0}da"})).as_deref(),
            Some("name")
        );
        assert_eq!(
            nul_path(&json!({"add_ons": [{"price_id": "p"}, {"price_id": "\u{0}"}]})).as_deref(),
            Some("add_ons[1].price_id")
        );
        assert_eq!(nul_path(&json!("\u{0}")).as_deref(), Some("body"));
        assert_eq!(nul_path(&json!({"a\u{0}": 1})).as_deref(), Some("a"));
        // A backslash followed by "u0000" is text, not a NUL.
        assert_eq!(nul_path(&json!({"name": "\\u0000"})), None);
    }
}
