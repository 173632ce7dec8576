// Shared by the CLI's and the app's build scripts (`include!`d): the commit the binary is
// built from, for `mcpscope --version` and the About panel.

/// Sets `MCPSCOPE_COMMIT` for the crate being built: the short hash of `HEAD`, or `unknown`
/// outside a git checkout. Rebuilds when `HEAD` moves (a commit, a checkout).
fn emit_commit() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(&root)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let commit = match git(&["rev-parse", "--short=12", "HEAD"]) {
        Some(hash) if !hash.is_empty() => hash,
        _ => "unknown".to_owned(),
    };
    println!("cargo:rustc-env=MCPSCOPE_COMMIT={commit}");
    if let Some(dir) = git(&["rev-parse", "--absolute-git-dir"]) {
        let dir = std::path::Path::new(&dir);
        println!("cargo:rerun-if-changed={}", dir.join("HEAD").display());
        println!("cargo:rerun-if-changed={}", dir.join("packed-refs").display());
        if let Some(head_ref) = git(&["symbolic-ref", "-q", "HEAD"]) {
            println!("cargo:rerun-if-changed={}", dir.join(head_ref).display());
        }
    }
}
