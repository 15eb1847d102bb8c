//! File name globs: `*` matches any run of characters within one path segment, `?` one
//! character. Patterns are `/`-separated paths relative to a base directory.

use std::path::{Path, PathBuf};

/// Whether `name` (one path segment) matches `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0usize, 0usize);
    // Where the last `*` was, and the name position it is currently stretched to.
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some('?') => {
                pi += 1;
                ni += 1;
            }
            Some(c) if Some(c) == n.get(ni) => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p.iter().skip(pi).all(|&c| c == '*')
}

fn has_wildcard(segment: &str) -> bool {
    segment.contains(['*', '?'])
}

/// The files under `base` matching the `/`-separated `pattern`, sorted.
pub fn expand(base: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut current = vec![base.to_path_buf()];
    let segments: Vec<&str> = pattern.split('/').filter(|s| !s.is_empty()).collect();
    for (i, segment) in segments.iter().enumerate() {
        let last = i + 1 == segments.len();
        let mut next = Vec::new();
        for dir in &current {
            if has_wildcard(segment) {
                let Ok(entries) = std::fs::read_dir(dir) else {
                    continue;
                };
                let mut found: Vec<PathBuf> = entries
                    .filter_map(Result::ok)
                    .filter(|e| e.file_name().to_str().is_some_and(|n| matches(segment, n)))
                    .map(|e| e.path())
                    .collect();
                found.sort();
                next.extend(found);
            } else {
                next.push(dir.join(segment));
            }
        }
        current = next
            .into_iter()
            .filter(|p| if last { p.is_file() } else { p.is_dir() })
            .collect();
    }
    if segments.is_empty() {
        return Vec::new();
    }
    current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_stars_and_question_marks() {
        assert!(matches("t0-*", "t0-get-response.rhai"));
        assert!(!matches("t0-*", "t1-x.rhai"));
        assert!(matches("*.session", "a.session"));
        assert!(matches("*", "anything"));
        assert!(matches("a?c", "abc"));
        assert!(!matches("a?c", "ac"));
        assert!(matches("*a*b", "xxaxxb"));
        assert!(!matches("*a*b", "xxaxxbc"));
        assert!(matches("session", "session"));
        assert!(!matches("", "x"));
    }

    #[test]
    fn expands_across_directories() {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["a", "b", "c"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        std::fs::write(dir.path().join("a/session"), "").unwrap();
        std::fs::write(dir.path().join("b/session"), "").unwrap();
        std::fs::write(dir.path().join("c/other"), "").unwrap();
        let found = expand(dir.path(), "*/session");
        assert_eq!(
            found,
            vec![dir.path().join("a/session"), dir.path().join("b/session")]
        );
        assert!(expand(dir.path(), "nothing/*").is_empty());
    }
}
