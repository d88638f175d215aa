//! `gloss annotate` as a user runs it.

use std::io::Write;
use std::process::{Command, Stdio};

fn gloss() -> Command {
    Command::new(env!("CARGO_BIN_EXE_gloss"))
}

#[test]
fn annotate_jsonl_keeps_ids_in_order_and_reports_bad_lines() {
    let mut input = String::new();
    for i in 0..300 {
        match i {
            5 => input.push_str("{\"id\": \"d5\", \"text\": \"\"}\n"),
            6 => input.push_str("not json\n"),
            _ => {
                input.push_str(&serde_json::json!({"id": format!("d{i}"), "text": format!("Angela Torres said {i} new buses would run."), "ignored": [1]}).to_string());
                input.push('\n');
            }
        }
    }
    let mut child = gloss()
        .args(["annotate", "--jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        !out.status.success(),
        "bad lines make the run exit non-zero"
    );
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 300);
    for (i, l) in lines.iter().enumerate() {
        match i {
            5 => {
                assert_eq!(l["id"], "d5");
                assert_eq!(l["line"], 6);
                assert_eq!(l["error"]["status"], 422);
            }
            6 => {
                assert_eq!(l["id"], serde_json::Value::Null);
                assert_eq!(l["error"]["status"], 400);
            }
            _ => {
                assert_eq!(l["id"], format!("d{i}"));
                assert!(l["sentences"].as_array().is_some_and(|s| !s.is_empty()));
            }
        }
    }
}

#[test]
fn annotate_files_and_html() {
    let dir = std::env::temp_dir().join(format!("gloss-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let f = dir.join("a.html");
    std::fs::write(
        &f,
        "<p>Angela Torres met James Okafor in Boston.</p><script>x</script>",
    )
    .unwrap();
    let out = gloss()
        .args(["annotate", "--format", "html", "--offsets", "utf16"])
        .arg(&f)
        .output()
        .unwrap();
    assert!(out.status.success());
    let a: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(a["text"], "Angela Torres met James Okafor in Boston.");
    assert_eq!(a["offsets"], "utf16");
    assert_eq!(a["id"], f.display().to_string());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn unreadable_model_is_a_clear_error() {
    let out = gloss()
        .args(["annotate", "--model", "/nonexistent/model.bin"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read model"));
}
