//! A command run to its end with its peak memory: what the "memory stays bounded" tests
//! measure (in the harness, never as a timing).

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::time::Duration;

/// How a measured command ended.
#[derive(Debug)]
pub struct Measured {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// The largest resident set the process reached (the kernel's `VmHWM`, a high-water mark,
    /// read every 10 ms until the process ended), in MB.
    pub peak_rss_mb: f64,
}

/// The kernel's high-water mark of `pid`'s resident set, in kB.
fn vm_hwm_kb(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    line.split_whitespace().next()?.parse().ok()
}

/// Runs `cmd` to its end (no stdin), collecting its output and its peak resident memory.
pub fn run_measured(cmd: &mut Command) -> std::io::Result<Measured> {
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
    let pipe = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut text);
            }
            text
        })
    };
    let out = pipe(child.stdout.take().map(|s| Box::new(s) as Box<dyn Read + Send>));
    let err = pipe(child.stderr.take().map(|s| Box::new(s) as Box<dyn Read + Send>));
    let pid = child.id();
    let mut peak_kb = 0;
    let status = loop {
        // The mark only grows: read it before asking whether the process ended, so the last
        // reading is as late as it can be.
        peak_kb = peak_kb.max(vm_hwm_kb(pid).unwrap_or(0));
        if let Some(status) = child.try_wait()? {
            break status;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Ok(Measured {
        status,
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
        peak_rss_mb: peak_kb as f64 / 1024.0,
    })
}
