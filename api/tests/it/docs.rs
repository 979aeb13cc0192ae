//! The configuration table in README.md is the operators' reference: it must name every
//! variable the code reads, and the compose file may only use documented ones.

use std::collections::BTreeSet;

use crate::harness::workspace_root;

fn variables_in(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (start, _) in text.match_indices(['D', 'R', 'G']) {
        let rest = &text[start..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
            .collect();
        let preceded_by_name_char = text[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_uppercase() || c == '_');
        if !preceded_by_name_char
            && (name == "DATABASE_URL" || name == "REDIS_URL" || name.starts_with("GATEHOUSE_"))
            && name.len() > "GATEHOUSE_".len()
            && !name.ends_with('_')
        {
            found.insert(name);
        }
    }
    found
}

fn read(path: &str) -> String {
    std::fs::read_to_string(workspace_root().join(path)).unwrap()
}

#[test]
fn every_variable_the_configuration_reads_is_documented() {
    let mut code = variables_in(&read("api/src/config.rs"));
    code.extend(gatehouse::config::oauth_variable_names());
    let readme = variables_in(&read("README.md"));
    assert!(code.len() >= 15, "found only {code:?}");
    let missing: Vec<_> = code.difference(&readme).collect();
    assert!(
        missing.is_empty(),
        "README.md does not document {missing:?}"
    );
    let stale: Vec<_> = readme.difference(&code).collect();
    assert!(
        stale.is_empty(),
        "README.md documents variables the code ignores: {stale:?}"
    );
}

#[test]
fn the_compose_file_uses_only_documented_variables() {
    let code = variables_in(&read("api/src/config.rs"));
    for file in ["docker-compose.yml", "Dockerfile"] {
        let used = variables_in(&read(file));
        assert!(!used.is_empty(), "{file} configures nothing?");
        let unknown: Vec<_> = used.difference(&code).collect();
        assert!(
            unknown.is_empty(),
            "{file} sets variables the code ignores: {unknown:?}"
        );
    }
}
