//! `kockpit completion bash` yields a completion function bash can run.

use std::process::Command;

#[test]
fn bash_completion_completes_long_flags() {
    let out = Command::new(env!("CARGO_BIN_EXE_kockpit"))
        .args(["completion", "bash"])
        .output()
        .expect("running kockpit completion bash");
    assert!(out.status.success());
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("kockpit.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    let probe = format!(
        "source '{}'\nCOMP_WORDS=(kockpit --con)\nCOMP_CWORD=1\nCOMP_LINE='kockpit --con'\nCOMP_POINT=${{#COMP_LINE}}\n_kockpit kockpit --con kockpit\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display()
    );
    let run = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &probe])
        .output()
        .expect("running bash");
    let replies = String::from_utf8_lossy(&run.stdout);
    assert!(
        replies.lines().any(|l| l.trim() == "--context"),
        "COMPREPLY lacks --context: {replies:?} stderr {}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn zsh_and_fish_completions_are_printed() {
    for shell in ["zsh", "fish"] {
        let out = Command::new(env!("CARGO_BIN_EXE_kockpit"))
            .args(["completion", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("kockpit"),
            "{shell}"
        );
    }
}
