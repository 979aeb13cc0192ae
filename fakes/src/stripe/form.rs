//! Stripe's request encoding: `application/x-www-form-urlencoded` (or a query string)
//! with nested keys — `metadata[plan]=pro`, `line_items[0][price]=price_…`,
//! `expand[]=customer` — read into a JSON tree whose leaves are strings, plus typed
//! accessors that answer with Stripe's errors.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::ApiError;

/// Parses an encoded body or query string into a JSON object. Maps whose keys are all
/// indices (`[0]`, `[1]`, or `[]` appends) become arrays, in index order.
pub fn parse(encoded: &[u8]) -> Result<Value, ApiError> {
    let mut root = Node::Map(BTreeMap::new());
    for (key, value) in url::form_urlencoded::parse(encoded) {
        let path = split_key(&key)
            .ok_or_else(|| ApiError::invalid(format!("Invalid parameter name: {key}"), &key))?;
        root.insert(&path, value.into_owned(), &key)?;
    }
    Ok(root.into_value())
}

/// `a[b][0][]` → `["a", "b", "0", ""]`.
fn split_key(key: &str) -> Option<Vec<String>> {
    let (head, mut rest) = match key.find('[') {
        Some(at) => (&key[..at], &key[at..]),
        None => (key, ""),
    };
    if head.is_empty() {
        return None;
    }
    let mut path = vec![head.to_owned()];
    while !rest.is_empty() {
        let close = rest.find(']')?;
        if !rest.starts_with('[') {
            return None;
        }
        path.push(rest[1..close].to_owned());
        rest = &rest[close + 1..];
    }
    Some(path)
}

enum Node {
    Leaf(String),
    Map(BTreeMap<String, Node>),
}

impl Node {
    fn insert(&mut self, path: &[String], value: String, key: &str) -> Result<(), ApiError> {
        let Node::Map(map) = self else {
            return Err(ApiError::invalid(
                format!("Invalid parameter: {key} mixes a value and nested keys"),
                key,
            ));
        };
        let (first, rest) = path.split_first().expect("a non-empty path");
        // `[]` appends: give it the next free index.
        let slot = if first.is_empty() {
            let next = map
                .keys()
                .filter_map(|k| k.parse::<usize>().ok())
                .max()
                .map_or(0, |max| max + 1);
            next.to_string()
        } else {
            first.clone()
        };
        if rest.is_empty() {
            map.insert(slot, Node::Leaf(value));
            Ok(())
        } else {
            map.entry(slot)
                .or_insert_with(|| Node::Map(BTreeMap::new()))
                .insert(rest, value, key)
        }
    }

    fn into_value(self) -> Value {
        match self {
            Node::Leaf(text) => Value::String(text),
            Node::Map(map) => {
                let indices: Option<Vec<usize>> =
                    map.keys().map(|k| k.parse::<usize>().ok()).collect();
                match indices {
                    Some(_) if !map.is_empty() => {
                        let mut items: Vec<(usize, Node)> = map
                            .into_iter()
                            .map(|(k, v)| (k.parse().expect("checked"), v))
                            .collect();
                        items.sort_by_key(|(index, _)| *index);
                        Value::Array(items.into_iter().map(|(_, v)| v.into_value()).collect())
                    }
                    _ => Value::Object(
                        map.into_iter()
                            .map(|(k, v)| (k, v.into_value()))
                            .collect::<Map<_, _>>(),
                    ),
                }
            }
        }
    }
}

/// The parameters of one request, read the way Stripe reads them.
#[derive(Debug, Clone)]
pub struct Params {
    /// Where these sit in the request (`line_items[0]`), for error messages.
    prefix: String,
    value: Value,
}

impl Params {
    pub fn new(value: Value) -> Self {
        Self {
            prefix: String::new(),
            value,
        }
    }

    /// Where these sit in the request (`items[0]`), empty at the top.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn name(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{}[{key}]", self.prefix)
        }
    }

    /// Refuses any parameter not in `known`, as Stripe does.
    pub fn only(&self, known: &[&str]) -> Result<(), ApiError> {
        if let Value::Object(map) = &self.value {
            if let Some(unknown) = map.keys().find(|k| !known.contains(&k.as_str())) {
                let name = self.name(unknown);
                return Err(ApiError::invalid(
                    format!("Received unknown parameter: {name}"),
                    &name,
                )
                .with_code("parameter_unknown"));
            }
        }
        Ok(())
    }

    pub fn has(&self, key: &str) -> bool {
        self.value.get(key).is_some()
    }

    /// A string parameter; empty strings count as given (Stripe uses them to unset).
    pub fn str(&self, key: &str) -> Result<Option<String>, ApiError> {
        match self.value.get(key) {
            None => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(_) => {
                let name = self.name(key);
                Err(ApiError::invalid(
                    format!("Invalid string: {name} must be a string"),
                    &name,
                ))
            }
        }
    }

    /// A string parameter that must be present and non-empty.
    pub fn required(&self, key: &str) -> Result<String, ApiError> {
        match self.str(key)? {
            Some(text) if !text.is_empty() => Ok(text),
            Some(_) => {
                let name = self.name(key);
                Err(ApiError::invalid(
                    format!("You passed an empty string for '{name}'. We assume empty values are an attempt to unset a parameter; however '{name}' cannot be unset. You should remove '{name}' from your request or supply a non-empty value."),
                    &name,
                )
                .with_code("parameter_invalid_empty"))
            }
            None => {
                let name = self.name(key);
                Err(
                    ApiError::invalid(format!("Missing required param: {name}."), &name)
                        .with_code("parameter_missing"),
                )
            }
        }
    }

    /// A non-empty string, or nothing (an empty string unsets: `None` too).
    pub fn text(&self, key: &str) -> Result<Option<String>, ApiError> {
        Ok(self.str(key)?.filter(|text| !text.is_empty()))
    }

    pub fn int(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.str(key)? {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| {
                let name = self.name(key);
                ApiError::invalid(format!("Invalid integer: {text}"), &name)
                    .with_code("parameter_invalid_integer")
            }),
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ApiError> {
        match self.str(key)?.as_deref() {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(other) => {
                let name = self.name(key);
                Err(ApiError::invalid(
                    format!("Invalid boolean: {other}"),
                    &name,
                ))
            }
        }
    }

    /// One of `allowed`, or nothing.
    pub fn choice(&self, key: &str, allowed: &[&str]) -> Result<Option<String>, ApiError> {
        match self.text(key)? {
            Some(text) if !allowed.contains(&text.as_str()) => {
                let name = self.name(key);
                Err(ApiError::invalid(
                    format!("Invalid {name}: must be one of {}", allowed.join(", ")),
                    &name,
                ))
            }
            other => Ok(other),
        }
    }

    /// A nested hash (`subscription_data[…]`), or nothing.
    pub fn nested(&self, key: &str) -> Result<Option<Params>, ApiError> {
        match self.value.get(key) {
            None => Ok(None),
            Some(value @ Value::Object(_)) => Ok(Some(Params {
                prefix: self.name(key),
                value: value.clone(),
            })),
            // `subscription_data=` unsets: treat as absent.
            Some(Value::String(text)) if text.is_empty() => Ok(None),
            Some(_) => {
                let name = self.name(key);
                Err(ApiError::invalid(
                    format!("Invalid object: {name} must be a hash"),
                    &name,
                ))
            }
        }
    }

    /// An array of hashes (`line_items[0][…]`), or nothing.
    pub fn list(&self, key: &str) -> Result<Vec<Params>, ApiError> {
        match self.value.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => Ok(items
                .iter()
                .enumerate()
                .map(|(index, value)| Params {
                    prefix: format!("{}[{index}]", self.name(key)),
                    value: value.clone(),
                })
                .collect()),
            Some(Value::String(text)) if text.is_empty() => Ok(Vec::new()),
            Some(_) => {
                let name = self.name(key);
                Err(ApiError::invalid(
                    format!("Invalid array: {name} must be an array"),
                    &name,
                ))
            }
        }
    }

    /// An array of strings (`expand[]=a&expand[]=b`).
    pub fn strings(&self, key: &str) -> Result<Vec<String>, ApiError> {
        match self.value.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str().map(str::to_owned).ok_or_else(|| {
                        let name = self.name(key);
                        ApiError::invalid(format!("Invalid array: {name}"), &name)
                    })
                })
                .collect(),
            Some(Value::String(text)) if text.is_empty() => Ok(Vec::new()),
            Some(Value::String(text)) => Ok(vec![text.clone()]),
            Some(_) => {
                let name = self.name(key);
                Err(ApiError::invalid(format!("Invalid array: {name}"), &name))
            }
        }
    }

    /// `metadata[…]` applied to `current`: a key set to `""` is removed, `metadata=`
    /// clears them all. At most 50 keys, keys up to 40 characters, values up to 500.
    pub fn metadata(
        &self,
        current: &Map<String, Value>,
    ) -> Result<Option<Map<String, Value>>, ApiError> {
        let name = self.name("metadata");
        match self.value.get("metadata") {
            None => Ok(None),
            Some(Value::String(text)) if text.is_empty() => Ok(Some(Map::new())),
            Some(Value::Object(entries)) => {
                let mut merged = current.clone();
                for (key, value) in entries {
                    let Value::String(value) = value else {
                        return Err(ApiError::invalid(
                            format!("Invalid value for {name}[{key}]: must be a string"),
                            &name,
                        ));
                    };
                    if key.chars().count() > 40 || value.chars().count() > 500 {
                        return Err(ApiError::invalid(
                            "Metadata keys can be at most 40 characters and values at most 500.",
                            &name,
                        ));
                    }
                    if value.is_empty() {
                        merged.remove(key);
                    } else {
                        merged.insert(key.clone(), Value::String(value.clone()));
                    }
                }
                if merged.len() > 50 {
                    return Err(ApiError::invalid(
                        "You can have at most 50 metadata keys.",
                        &name,
                    ));
                }
                Ok(Some(merged))
            }
            Some(_) => Err(ApiError::invalid(
                format!("Invalid object: {name} must be a hash"),
                &name,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn nested_keys_become_objects_and_arrays() {
        let body = "line_items%5B0%5D%5Bprice%5D=price_a&line_items[0][quantity]=2\
                    &line_items[1][price]=price_b&metadata[plan]=pro&expand[]=customer\
                    &expand[]=subscription&mode=subscription";
        assert_eq!(
            parse(body.as_bytes()).unwrap(),
            json!({
                "line_items": [{"price": "price_a", "quantity": "2"}, {"price": "price_b"}],
                "metadata": {"plan": "pro"},
                "expand": ["customer", "subscription"],
                "mode": "subscription",
            })
        );
    }

    #[test]
    fn indices_order_numerically() {
        let body = "items[10][id]=b&items[2][id]=a";
        assert_eq!(
            parse(body.as_bytes()).unwrap(),
            json!({"items": [{"id": "a"}, {"id": "b"}]})
        );
    }

    #[test]
    fn a_value_and_nested_keys_under_one_name_are_refused() {
        assert!(parse(b"metadata=x&metadata[a]=b").is_err());
        assert!(parse(b"[a]=b").is_err());
    }

    #[test]
    fn unknown_parameters_are_named_with_their_prefix() {
        let params = Params::new(parse(b"subscription_data[nope]=1").unwrap());
        let nested = params.nested("subscription_data").unwrap().unwrap();
        let err = nested.only(&["metadata"]).unwrap_err();
        assert_eq!(err.param.as_deref(), Some("subscription_data[nope]"));
        assert_eq!(err.code, Some("parameter_unknown"));
    }

    #[test]
    fn metadata_merges_and_empty_values_unset() {
        let current = json!({"a": "1", "b": "2"});
        let params = Params::new(parse(b"metadata[a]=&metadata[c]=3").unwrap());
        let merged = params
            .metadata(current.as_object().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(Value::Object(merged), json!({"b": "2", "c": "3"}));
        let cleared = Params::new(parse(b"metadata=").unwrap())
            .metadata(current.as_object().unwrap())
            .unwrap()
            .unwrap();
        assert!(cleared.is_empty());
    }
}
