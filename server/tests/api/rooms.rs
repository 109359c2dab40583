//! The house rules the code itself must keep, read from the source tree: SQL is spoken only by the
//! store (`server/src/store/`; the bench's raw bulk-insert floor aside), no source file grows past 800
//! lines, and the use cases reach the database only through the store.

use std::path::{Path, PathBuf};

/// The workspace root (this crate lives in `server/`).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Every `.rs` file under `dir`, recursively.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

fn relative(path: &Path) -> String {
    path.strip_prefix(root()).unwrap().display().to_string()
}

#[test]
fn only_the_store_speaks_sql() {
    let server = root().join("server/src");
    let store = server.join("store");
    let offenders: Vec<String> = rust_files(&server)
        .into_iter()
        .filter(|p| !p.starts_with(&store) && !p.ends_with("bench.rs"))
        .filter(|p| {
            std::fs::read_to_string(p).unwrap().lines().any(|line| {
                let code = line.split("//").next().unwrap_or_default();
                code.contains("sqlx::") || code.trim_start().starts_with("use sqlx")
            })
        })
        .map(|p| relative(&p))
        .collect();
    assert!(
        offenders.is_empty(),
        "sqlx is used outside server/src/store/ (move the statement into a store module): {offenders:?}"
    );
}

#[test]
fn no_source_file_is_over_800_lines() {
    let mut long = Vec::new();
    for dir in ["src", "app/src", "server/src", "frontend/src"] {
        for path in rust_files(&root().join(dir)) {
            if path.ends_with("bench.rs") {
                continue;
            }
            let lines = std::fs::read_to_string(&path).unwrap().lines().count();
            if lines > 800 {
                long.push(format!("{} ({lines} lines)", relative(&path)));
            }
        }
    }
    assert!(long.is_empty(), "split these by what they own: {long:?}");
}
