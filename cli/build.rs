//! The CLI's build script: the commit for `mcpscope --version`.

include!("../build/commit.rs");

fn main() {
    emit_commit();
}
