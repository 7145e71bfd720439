//! Helpers shared by the integration tests: where the captures are, and how to say that the
//! shared corpus is missing so that a person running the tests sees it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// Tell the person running the tests something the harness does not swallow (output capture
/// covers `print!`/`eprint!` only, not writes to the stderr handle).
macro_rules! note {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

/// The permissively licensed captures kept in the repository.
pub(crate) fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../eas-wbxml/testdata")
}

/// The shared corpus beside the checkout (or `$EAS_CORPUS`), if it is there.
pub(crate) fn shared_corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("EAS_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    dir.is_dir().then_some(dir)
}

/// Every `*.wbxml` file below `dir`, appended to `out`.
pub(crate) fn wbxml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        if p.is_dir() {
            wbxml_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "wbxml") {
            out.push(p);
        }
    }
}
