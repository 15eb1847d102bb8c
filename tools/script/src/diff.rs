//! Line diffs for readable failure reports (expected output files against actual output).

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Op<'a> {
    Same(&'a str),
    Expected(&'a str),
    Actual(&'a str),
}

/// Lines of context shown around each change.
const CONTEXT: usize = 2;
/// Above this many line pairs the diff falls back to a plain first-difference report, so a
/// huge output cannot make the quadratic table exhaust memory.
const MAX_CELLS: usize = 4_000_000;

/// A unified-style diff of `expected` against `actual`: `-` lines are expected only, `+` lines
/// actual only, with line numbers of the expected text. Empty when equal.
pub fn line_diff(expected: &[&str], actual: &[&str]) -> String {
    if expected == actual {
        return String::new();
    }
    let ops = match expected.len().checked_mul(actual.len()) {
        Some(cells) if cells <= MAX_CELLS => lcs_ops(expected, actual),
        _ => first_difference_ops(expected, actual),
    };
    render(&ops)
}

fn lcs_ops<'a>(expected: &[&'a str], actual: &[&'a str]) -> Vec<Op<'a>> {
    let (n, m) = (expected.len(), actual.len());
    // table[i][j]: length of the longest common subsequence of expected[i..] and actual[j..].
    let mut table = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            let value = if expected.get(i) == actual.get(j) {
                cell(&table, i + 1, j + 1) + 1
            } else {
                cell(&table, i + 1, j).max(cell(&table, i, j + 1))
            };
            if let Some(row) = table.get_mut(i) {
                if let Some(c) = row.get_mut(j) {
                    *c = value;
                }
            }
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut ops = Vec::new();
    while i < n || j < m {
        match (expected.get(i), actual.get(j)) {
            (Some(e), Some(a)) if e == a => {
                ops.push(Op::Same(e));
                i += 1;
                j += 1;
            }
            (Some(e), Some(_)) if cell(&table, i + 1, j) >= cell(&table, i, j + 1) => {
                ops.push(Op::Expected(e));
                i += 1;
            }
            (_, Some(a)) => {
                ops.push(Op::Actual(a));
                j += 1;
            }
            (Some(e), None) => {
                ops.push(Op::Expected(e));
                i += 1;
            }
            (None, None) => break,
        }
    }
    ops
}

fn cell(table: &[Vec<usize>], i: usize, j: usize) -> usize {
    table
        .get(i)
        .and_then(|row| row.get(j))
        .copied()
        .unwrap_or(0)
}

fn first_difference_ops<'a>(expected: &[&'a str], actual: &[&'a str]) -> Vec<Op<'a>> {
    let common = expected
        .iter()
        .zip(actual)
        .take_while(|(e, a)| e == a)
        .count();
    let mut ops: Vec<Op<'a>> = expected.iter().take(common).map(|l| Op::Same(l)).collect();
    ops.extend(expected.iter().skip(common).map(|l| Op::Expected(l)));
    ops.extend(actual.iter().skip(common).map(|l| Op::Actual(l)));
    ops
}

fn render(ops: &[Op<'_>]) -> String {
    let changed: Vec<bool> = ops.iter().map(|op| !matches!(op, Op::Same(_))).collect();
    let near_change = |k: usize| {
        let lo = k.saturating_sub(CONTEXT);
        let hi = k.saturating_add(CONTEXT).min(ops.len().saturating_sub(1));
        (lo..=hi).any(|x| changed.get(x).copied().unwrap_or(false))
    };
    let mut out = String::new();
    let mut expected_line = 0usize;
    let mut skipping = true;
    for (k, op) in ops.iter().enumerate() {
        if matches!(op, Op::Same(_) | Op::Expected(_)) {
            expected_line += 1;
        }
        if !near_change(k) {
            skipping = true;
            continue;
        }
        if skipping {
            out.push_str(&format!("@@ expected line {expected_line} @@\n"));
            skipping = false;
        }
        match op {
            Op::Same(l) => out.push_str(&format!("  {l}\n")),
            Op::Expected(l) => out.push_str(&format!("- {l}\n")),
            Op::Actual(l) => out.push_str(&format!("+ {l}\n")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_diff() {
        assert_eq!(line_diff(&["a", "b"], &["a", "b"]), "");
    }

    #[test]
    fn shows_changed_line_with_context() {
        let e = ["1", "2", "3", "4", "5", "6", "7"];
        let a = ["1", "2", "3", "x", "5", "6", "7"];
        let d = line_diff(&e, &a);
        assert_eq!(d, "@@ expected line 2 @@\n  2\n  3\n- 4\n+ x\n  5\n  6\n");
    }

    #[test]
    fn shows_missing_and_extra_lines() {
        let d = line_diff(&["a", "b"], &["a"]);
        assert!(d.contains("- b"), "{d}");
        let d = line_diff(&["a"], &["a", "c"]);
        assert!(d.contains("+ c"), "{d}");
    }
}
