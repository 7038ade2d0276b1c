//! `callboard bench import [--json]`: generates a messy 1,000,000-row CSV (KW/IN/US numbers in mixed formats,
//! about 2% invalid, 3% duplicates, 6 extra columns) and a 100,000-row XLSX in a temp data dir, imports both
//! through the real pipeline into SQLite, runs the same CSV through a Python baseline (`csv`, `phonenumbers`
//! and `sqlite3`: `bench/import_baseline.py`), and prints rows/s, peak RSS and the ratio. Not a test:
//! nothing here asserts on time.

use std::{
    fs::File,
    io::BufWriter,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
    time::Instant,
};

use callboard_core::{
    import::{self, Control, ImportOptions, Summary},
    store::{Store, forget_frames, frames_by_btree},
};
use clap::Args;
use serde_json::{Value, json};

const BASELINE: &str = include_str!("../../bench/import_baseline.py");

#[derive(Debug, Args)]
pub struct ImportBench {
    /// Rows in the generated CSV.
    #[arg(long, default_value_t = 1_000_000)]
    rows: usize,
    /// Rows in the generated XLSX.
    #[arg(long, default_value_t = 100_000)]
    xlsx_rows: usize,
    /// Rows per transaction [default: the import's own].
    #[arg(long)]
    chunk_rows: Option<usize>,
    /// Skip the Python baseline.
    #[arg(long)]
    no_python: bool,
    /// Print the figures as one JSON object on the last line.
    #[arg(long)]
    json: bool,
    /// Write the generated CSV and XLSX into this folder and keep them, to profile `callboard import` on
    /// the same data.
    #[arg(long)]
    keep_files: Option<PathBuf>,
}

pub fn run(args: ImportBench) -> ExitCode {
    match import_bench(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench import failed: {e}");
            ExitCode::FAILURE
        }
    }
}

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// A small deterministic generator (xorshift64*), so every run imports the same file.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[self.below(v.len() as u64) as usize]
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n).map(|_| char::from(b'0' + self.below(10) as u8)).collect()
    }
}

/// One messy phone cell; `None` ⇒ reuse an earlier one (a duplicate).
fn phone(rng: &mut Rng, recent: &mut Vec<String>) -> String {
    let roll = rng.below(1000);
    if roll < 30 && !recent.is_empty() {
        return recent[rng.below(recent.len() as u64) as usize].clone();
    }
    let p = if roll < 50 {
        rng.pick(&[
            "12345",
            "n/a",
            "",
            "+999 1234 5678",
            "someone@example.com",
            "00000",
            "55-12",
        ])
        .to_owned()
    } else if roll < 450 {
        let nsn = format!(
            "{}{}",
            rng.pick(&["50", "55", "66", "90", "94", "96", "97", "99"]),
            rng.digits(6)
        );
        match rng.below(6) {
            0 => nsn,
            1 => format!("+965 {} {}", &nsn[..4], &nsn[4..]),
            2 => format!("00965{nsn}"),
            3 => format!("{}-{}-{}-{}", &nsn[..2], &nsn[2..4], &nsn[4..6], &nsn[6..]),
            4 => format!("9.65{}E+10", nsn.trim_end_matches('0')),
            _ => format!("965{nsn}"),
        }
    } else if roll < 750 {
        let nsn = format!(
            "{}{}",
            rng.pick(&["98", "99", "97", "70", "81", "91", "62", "88", "73"]),
            rng.digits(8)
        );
        match rng.below(3) {
            0 => format!("+91 {} {}", &nsn[..5], &nsn[5..]),
            1 => format!("0091{nsn}"),
            _ => format!("+91-{nsn}"),
        }
    } else {
        let area = rng.pick(&["212", "415", "305", "312", "702", "646", "917"]);
        let (ex, line) = (200 + rng.below(800), rng.digits(4));
        match rng.below(3) {
            0 => format!("+1 ({area}) {ex}-{line}"),
            1 => format!("+1-{area}-{ex}-{line}"),
            _ => format!("001 {area} {ex} {line}"),
        }
    };
    if recent.len() < 4096 {
        recent.push(p.clone());
    } else {
        let i = rng.below(4096) as usize;
        recent[i] = p.clone();
    }
    p
}

const HEADER: [&str; 9] = [
    "Name",
    "Phone",
    "Email",
    "City",
    "Car Interest",
    "Budget",
    "Source",
    "Agent Notes",
    "Visit Date",
];

fn row(rng: &mut Rng, i: usize, recent: &mut Vec<String>) -> [String; 9] {
    [
        format!(
            "{} {}",
            rng.pick(&["Ali", "Sara", "Priya", "John", "محمد", "फातिमा", "Omar", "Mary"]),
            i
        ),
        phone(rng, recent),
        if rng.below(3) == 0 {
            String::new()
        } else {
            format!("user{i}@example.com")
        },
        rng.pick(&["Kuwait City", "Hawalli", "Mumbai", "Delhi", "New York", "Salmiya"])
            .to_owned(),
        rng.pick(&["SUV", "Sedan", "Truck", "Hatchback", ""]).to_owned(),
        (5_000 + rng.below(50_000)).to_string(),
        rng.pick(&["web", "walk-in", "referral", "facebook"]).to_owned(),
        rng.pick(&["call after 5pm", "", "prefers Arabic", "test drive, \"urgent\""])
            .to_owned(),
        format!("2026-{:02}-{:02}", 1 + rng.below(12), 1 + rng.below(28)),
    ]
}

fn write_csv(path: &Path, rows: usize) -> Res<()> {
    let mut w = csv::Writer::from_writer(BufWriter::with_capacity(1 << 20, File::create(path)?));
    w.write_record(HEADER)?;
    let (mut rng, mut recent) = (Rng(0x5EED_CA11_B0A2_D001), Vec::new());
    for i in 0..rows {
        w.write_record(row(&mut rng, i, &mut recent))?;
    }
    w.flush()?;
    Ok(())
}

fn write_xlsx(path: &Path, rows: usize) -> Res<()> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet_with_constant_memory()?;
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h)?;
    }
    let (mut rng, mut recent) = (Rng(0xA11C_E5E7_0000_0002), Vec::new());
    for i in 0..rows {
        let r = (i + 1) as u32;
        for (c, v) in row(&mut rng, i, &mut recent).iter().enumerate() {
            // Phones that are plain digits are stored as numbers, as Excel does.
            match v.parse::<f64>() {
                Ok(n) if c == 1 && !v.starts_with('0') => sheet.write_number(r, c as u16, n)?,
                _ => sheet.write_string(r, c as u16, v)?,
            };
        }
    }
    book.save(path)?;
    Ok(())
}

/// CPU seconds so far of this thread (the import's reading thread) and of the store's writer threads, from
/// `/proc` (Linux; `None` elsewhere). The longer of the two bounds the import's wall time on a quiet machine
/// with a core each: that is the estimate quoted next to the (load-dependent) wall figure.
fn reader_writer_cpu() -> Option<(f64, f64)> {
    let ns = |path: &Path| -> Option<f64> {
        let stat = std::fs::read_to_string(path.join("schedstat")).ok()?;
        Some(stat.split_whitespace().next()?.parse::<f64>().ok()? / 1e9)
    };
    let reader = ns(Path::new("/proc/thread-self"))?;
    let mut writer = 0.0;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.starts_with("store-write") {
            writer += ns(&task.path()).unwrap_or(0.0);
        }
    }
    Some((reader, writer))
}

/// (reading thread, writer thread) CPU seconds of one import.
type ThreadCpu = Option<(f64, f64)>;

fn timed_import(dir: &Path, file: &Path, chunk_rows: Option<usize>) -> Res<Timed> {
    settle_disk();
    let store = Store::open(&dir.join("callboard.db"))?;
    let now = "2026-11-26T00:00:00Z";
    let (campaign, _) = import::find_or_create_campaign(&store, "Bench", "cli", now)?;
    let mut opts = ImportOptions::new(file, campaign.id, "KW".parse()?);
    if let Some(n) = chunk_rows {
        opts.chunk_rows = n;
    }
    // Only the import's WAL frames are shown, not the new database's schema.
    forget_frames();
    let start = Instant::now();
    let cpu0 = reader_writer_cpu();
    let summary = import::commit(&store, &opts, &Control::default(), now)?;
    let elapsed = start.elapsed().as_secs_f64();
    super::print_statement_profile("import", &store, "row", summary.total);
    let frames = store.with_tx_blocking(|tx| frames_by_btree(tx))?;
    super::print_wal_frames("import", frames, "row", summary.total, 3);
    let cpu = cpu0
        .zip(reader_writer_cpu())
        .map(|((r0, w0), (r1, w1))| (r1 - r0, w1 - w0));
    // The import holds WAL checkpoints while it writes; closing the store checkpoints what it left (in the
    // app the checkpointer thread does that in the background after the import).
    let closing = Instant::now();
    drop(store);
    let close_s = closing.elapsed().as_secs_f64();
    Ok(Timed {
        summary,
        seconds: elapsed,
        close_seconds: close_s,
        cpu,
    })
}

/// One import's figures.
struct Timed {
    summary: Summary,
    /// From the start to the import's last commit.
    seconds: f64,
    /// Closing the store after it: the checkpoint of the WAL the import left.
    close_seconds: f64,
    cpu: ThreadCpu,
}

/// Starts a new peak-RSS measurement (Linux: writing 5 to `clear_refs` resets `VmHWM` to the current RSS),
/// so each import's own peak is reported, not the generator's or the other import's.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// (user + system CPU seconds, MB written to disk) of this process so far: on a shared machine the CPU time
/// says more than the wall time.
fn cpu_and_io() -> (Option<f64>, Option<f64>) {
    let cpu = std::fs::read_to_string("/proc/self/stat").ok().and_then(|s| {
        let rest = s.rsplit_once(')')?.1;
        let f: Vec<&str> = rest.split_whitespace().collect();
        let ticks = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
        Some(ticks / 100.0)
    });
    let io = std::fs::read_to_string("/proc/self/io").ok().and_then(|s| {
        let line = s.lines().find(|l| l.starts_with("write_bytes:"))?;
        Some(line.split_whitespace().nth(1)?.parse::<f64>().ok()? / 1e6)
    });
    (cpu, io)
}

/// Writes the file system's dirty pages out before a timed run, so that it does not pay for the writeback of
/// what came before it (the generated files, the previous run's database): imported right after writing it,
/// the 1M-row CSV took 3.28 s end to end instead of 2.74 s.
fn settle_disk() {
    if let Err(e) = Command::new("sync").status() {
        eprintln!("cannot run sync ({e}); timings include earlier writeback");
    }
}

fn python(dir: &Path, csv: &Path) -> Res<f64> {
    let script = dir.join("import_baseline.py");
    std::fs::write(&script, BASELINE)?;
    settle_disk();
    let out = Command::new("python3")
        .arg(&script)
        .arg(csv)
        .arg(dir.join("python.db"))
        .arg("KW")
        .output()?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        if stderr.contains("No module named 'phonenumbers'") {
            return Err("the baseline needs Python's phonenumbers package: \
                        `python3 -m pip install phonenumbers`, then run the bench again"
                .into());
        }
        return Err(format!("python baseline failed: {}", stderr.trim()).into());
    }
    let v: Value = serde_json::from_slice(&out.stdout)?;
    v["seconds"]
        .as_f64()
        .ok_or_else(|| "python baseline printed no seconds".into())
}

struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn import_bench(args: &ImportBench) -> Res<()> {
    let tmp = TempDir(std::env::temp_dir().join(format!("callboard-bench-import-{}", std::process::id())));
    let (csv_dir, xlsx_dir) = (tmp.0.join("csv"), tmp.0.join("xlsx"));
    std::fs::create_dir_all(&csv_dir)?;
    std::fs::create_dir_all(&xlsx_dir)?;
    let files = args.keep_files.clone().unwrap_or_else(|| tmp.0.clone());
    std::fs::create_dir_all(&files)?;
    let (csv_path, xlsx_path) = (files.join("contacts.csv"), files.join("contacts.xlsx"));
    eprintln!(
        "generating {} CSV rows and {} XLSX rows in {}",
        args.rows,
        args.xlsx_rows,
        files.display()
    );
    write_csv(&csv_path, args.rows)?;
    write_xlsx(&xlsx_path, args.xlsx_rows)?;
    let whole_peak = peak_rss_mb();
    reset_peak_rss();
    let (cpu0, io0) = cpu_and_io();
    let csv = timed_import(&csv_dir, &csv_path, args.chunk_rows)?;
    let (csv_sum, csv_s, csv_threads) = (csv.summary, csv.seconds, csv.cpu);
    let (cpu1, io1) = cpu_and_io();
    let csv_cpu_s = cpu0.zip(cpu1).map(|(a, b)| b - a);
    let csv_write_mb = io0.zip(io1).map(|(a, b)| (b - a).round());
    let rows_per_s = csv_sum.total as f64 / csv_s;
    eprintln!(
        "csv:  {} rows in {csv_s:.2} s = {rows_per_s:.0} rows/s ({} imported, {} invalid, {} duplicates)",
        csv_sum.total, csv_sum.imported, csv_sum.invalid, csv_sum.duplicates
    );
    eprintln!(
        "csv:  then {:.2} s to close the store (checkpointing the import's WAL into the database file)",
        csv.close_seconds
    );
    let csv_peak = peak_rss_mb();
    reset_peak_rss();
    let xlsx = timed_import(&xlsx_dir, &xlsx_path, args.chunk_rows)?;
    let (xlsx_sum, xlsx_s) = (xlsx.summary, xlsx.seconds);
    let xlsx_rows_per_s = xlsx_sum.total as f64 / xlsx_s;
    eprintln!(
        "xlsx: {} rows in {xlsx_s:.2} s = {xlsx_rows_per_s:.0} rows/s ({} imported)",
        xlsx_sum.total, xlsx_sum.imported
    );
    // The quiet-machine estimate: the busier of the two threads is the critical path.
    let critical_s = csv_threads.map(|(r, w)| r.max(w));
    if let Some((r, w)) = csv_threads {
        eprintln!(
            "csv threads: reading {r:.2} CPU s, writing {w:.2} CPU s; on a quiet machine about {:.0} rows/s",
            csv_sum.total as f64 / r.max(w)
        );
    }
    let xlsx_peak = peak_rss_mb();
    let peak = [whole_peak, csv_peak, xlsx_peak]
        .into_iter()
        .flatten()
        .reduce(f64::max);
    let py = if args.no_python {
        None
    } else {
        match python(&tmp.0, &csv_path) {
            Ok(s) => Some(s),
            Err(e) => {
                eprintln!("python baseline skipped: {e}");
                None
            }
        }
    };
    // Ours takes seconds, the baseline a minute or more, and this machine's speed drifts within minutes: one
    // run of ours samples one moment of it. So ours runs again after the baseline, and the ratio is taken
    // against the mean of the two runs around it (the same file into a new database).
    // (Its memory is not counted in the peak: the process still holds what the earlier imports freed.)
    let after = match py {
        Some(_) => {
            let dir = tmp.0.join("csv-after");
            std::fs::create_dir_all(&dir)?;
            let again = timed_import(&dir, &csv_path, args.chunk_rows)?;
            eprintln!(
                "csv:  again after the baseline: {:.2} s = {:.0} rows/s",
                again.seconds,
                again.summary.total as f64 / again.seconds
            );
            Some((again.seconds, again.close_seconds))
        }
        None => None,
    };
    let (around_s, around_close_s) = after.map_or((csv_s, csv.close_seconds), |(s, c)| {
        ((csv_s + s) / 2.0, (csv.close_seconds + c) / 2.0)
    });
    let ratio = py.map(|p| p / around_s);
    // The baseline's time includes closing its database (and so its last checkpoint): also quoted against
    // ours with the close counted.
    let ratio_with_close = py.map(|p| p / (around_s + around_close_s));
    let load = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned));
    let figures = json!({
        "rows": csv_sum.total,
        "rows_per_s": rows_per_s.round(),
        "csv_seconds": csv_s,
        "csv_seconds_after_python": after.map(|a| a.0),
        "csv_close_seconds": csv.close_seconds,
        "csv_cpu_seconds": csv_cpu_s,
        "csv_disk_write_mb": csv_write_mb,
        "csv_reader_cpu_seconds": csv_threads.map(|t| t.0),
        "csv_writer_cpu_seconds": csv_threads.map(|t| t.1),
        "csv_quiet_rows_per_s_estimate": critical_s.map(|c| (csv_sum.total as f64 / c).round()),
        "load_average_1m": load,
        "imported": csv_sum.imported,
        "invalid": csv_sum.invalid,
        "duplicates": csv_sum.duplicates,
        "xlsx_rows": xlsx_sum.total,
        "xlsx_rows_per_s": xlsx_rows_per_s.round(),
        "xlsx_seconds": xlsx_s,
        "peak_rss_mb": peak.map(|m| (m * 10.0).round() / 10.0),
        "csv_peak_rss_mb": csv_peak.map(|m| (m * 10.0).round() / 10.0),
        "xlsx_peak_rss_mb": xlsx_peak.map(|m| (m * 10.0).round() / 10.0),
        "python_seconds": py,
        "python_ratio": ratio.map(|r| (r * 10.0).round() / 10.0),
        "python_ratio_with_close": ratio_with_close.map(|r| (r * 10.0).round() / 10.0),
    });
    if args.json {
        println!("{figures}");
    } else {
        println!("import bench: {rows_per_s:.0} rows/s (CSV), {xlsx_rows_per_s:.0} rows/s (XLSX)");
        println!(
            "peak RSS: {}",
            peak.map_or("n/a".into(), |m| format!("{m:.1} MB"))
        );
        match (py, ratio, ratio_with_close) {
            (Some(p), Some(r), Some(rc)) => println!(
                "python baseline: {p:.2} s, {r:.1}× slower than ours run before and after it, {around_s:.2} s on \
                 average ({rc:.1}× counting our close too)"
            ),
            _ => println!("python baseline: not run"),
        }
    }
    Ok(())
}
