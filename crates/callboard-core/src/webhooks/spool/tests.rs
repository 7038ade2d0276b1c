use proptest::prelude::*;
use serde_json::json;

use super::*;

fn event(n: u32, body: Option<Vec<u8>>) -> NewEvent {
    NewEvent {
        provider: "twilio",
        kind: "status".into(),
        idempotency_key: format!("CA{n}:completed"),
        headers: json!({"route": "twilio/status", "content-type": "application/x-www-form-urlencoded"}),
        body,
        body_path: None,
        received_at: "2026-11-27T10:00:00.000000Z".into(),
        occurred_at: Some("2026-11-27T09:59:59Z".into()),
        sequence: Some(i64::from(n)),
    }
}

fn spool_dir() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let dir = tmp.path().join(SPOOL_DIR);
    (tmp, dir)
}

fn open(dir: &Path) -> Spool {
    Spool::open(dir).unwrap_or_else(|e| panic!("cannot open the spool: {e}"))
}

fn append(spool: &Spool, e: &NewEvent) -> Position {
    spool
        .append(e.clone(), |_, p| p)
        .unwrap_or_else(|e| panic!("cannot append: {e}"))
}

fn arb_text() -> impl Strategy<Value = String> {
    "\\PC{0,40}"
}

prop_compose! {
    fn arb_event()(
        provider in prop::sample::select(vec!["elevenlabs", "twilio", "exotel"]),
        kind in arb_text(),
        key in arb_text(),
        header in arb_text(),
        body in prop::option::of(prop::collection::vec(any::<u8>(), 0..300)),
        body_path in prop::option::of(arb_text()),
        received_at in arb_text(),
        occurred_at in prop::option::of(arb_text()),
        sequence in prop::option::of(any::<i64>()),
    ) -> NewEvent {
        NewEvent {
            provider,
            kind,
            idempotency_key: key,
            headers: json!({ "route": header }),
            body,
            body_path,
            received_at,
            occurred_at,
            sequence,
        }
    }
}

proptest! {
    /// Whatever a delivery holds comes back from its record exactly.
    #[test]
    fn records_read_back_as_written(events in prop::collection::vec(arb_event(), 1..8)) {
        let bytes: Vec<u8> = events.iter().flat_map(encode_record).collect();
        let read = decode_segment(&bytes);
        prop_assert_eq!(read.problem, None);
        let back: Vec<NewEvent> = read.records.into_iter().map(|(e, _)| e).collect();
        prop_assert_eq!(back, events);
    }

    /// A segment cut anywhere (a crash mid-write) gives back every whole record before the cut and says
    /// the last one is torn; it is never taken for damage.
    #[test]
    fn a_cut_segment_keeps_every_whole_record(events in prop::collection::vec(arb_event(), 1..6), cut in any::<prop::sample::Index>()) {
        let records: Vec<Vec<u8>> = events.iter().map(encode_record).collect();
        let bytes: Vec<u8> = records.concat();
        let cut = cut.index(bytes.len());
        let read = decode_segment(&bytes[..cut]);
        let mut ends = records.iter().scan(0, |end, r| { *end += r.len(); Some(*end) });
        let whole = ends.by_ref().take_while(|end| *end <= cut).count();
        prop_assert_eq!(read.records.len(), whole);
        prop_assert!(!read.damaged);
        let at_boundary = cut == 0 || records.iter().scan(0, |end, r| { *end += r.len(); Some(*end) }).any(|e| e == cut);
        prop_assert_eq!(read.problem.is_some(), !at_boundary);
    }

    /// Any bytes at all: no panic, and what is returned checks out.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let read = decode_segment(&bytes);
        for (_, end) in &read.records {
            prop_assert!(*end as usize <= bytes.len());
        }
    }
}

#[test]
fn a_flipped_byte_is_damage_and_what_came_before_is_kept() {
    let first = encode_record(&event(1, Some(b"CallStatus=ringing".to_vec())));
    let mut bytes = [first.clone(), encode_record(&event(2, None))].concat();
    let flip = first.len() + HEADER_BYTES + 3;
    bytes[flip] ^= 0x40;
    let read = decode_segment(&bytes);
    assert_eq!(read.records.len(), 1);
    assert!(read.damaged);
    let problem = read.problem.unwrap_or_default();
    assert!(problem.contains(&format!("byte {}", first.len())), "{problem}");
    assert!(problem.contains("checksum"), "{problem}");
}

#[test]
fn a_restart_finds_what_the_journal_does_not_hold() {
    let (_tmp, dir) = spool_dir();
    let first_run = open(&dir);
    let positions: Vec<Position> = (1..=3)
        .map(|n| append(&first_run, &event(n, Some(vec![b'x'; 10]))))
        .collect();
    drop(first_run);

    let second_run = open(&dir);
    // Nothing journaled: all three, in order, with the positions they were appended at.
    let all = second_run.left_over(None);
    assert!(all.problems.is_empty(), "{:?}", all.problems);
    assert_eq!(all.records.iter().map(|(_, p)| *p).collect::<Vec<_>>(), positions);
    assert_eq!(all.records[2].0, event(3, Some(vec![b'x'; 10])));
    // The journal holds the first two: only the third.
    let rest = second_run.left_over(Some(positions[1]));
    assert_eq!(rest.records.len(), 1);
    assert_eq!(rest.records[0].0.idempotency_key, "CA3:completed");
    // This run appends to a segment of its own, after the old one.
    let new = append(&second_run, &event(4, None));
    assert!(new.segment > positions[2].segment);
    // Once the journal is past the old segment, the next start deletes it and finds nothing.
    drop(second_run);
    let third_run = open(&dir);
    assert!(third_run.left_over(Some(new)).records.is_empty());
    assert!(
        !segment_path(&dir, positions[0].segment).exists(),
        "the first run's segment is journaled"
    );
    assert!(
        segment_path(&dir, new.segment).exists(),
        "kept until the journal is past it"
    );
}

#[test]
fn a_torn_last_record_is_skipped_and_reported_with_its_file() {
    let (_tmp, dir) = spool_dir();
    let run = open(&dir);
    let good = append(&run, &event(1, None));
    drop(run);
    // A crash in the middle of the second write.
    let path = segment_path(&dir, good.segment);
    let torn = &encode_record(&event(2, None))[..20];
    let mut file = OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap_or_else(|e| panic!("{e}"));
    file.write_all(torn).unwrap_or_else(|e| panic!("{e}"));
    drop(file);

    let left = open(&dir).left_over(None);
    assert_eq!(left.records.len(), 1);
    assert_eq!(left.problems.len(), 1);
    assert!(
        left.problems[0].contains(&path.display().to_string()),
        "{:?}",
        left.problems
    );
    assert!(
        left.problems[0].contains("never acknowledged"),
        "{:?}",
        left.problems
    );
    assert!(
        path.exists(),
        "a torn tail is not damage: the file stays until the journal holds it"
    );
}

#[test]
fn a_damaged_segment_is_set_aside_not_deleted() {
    let (_tmp, dir) = spool_dir();
    let run = open(&dir);
    let first = append(&run, &event(1, None));
    append(&run, &event(2, None));
    drop(run);
    let path = segment_path(&dir, first.segment);
    let mut bytes = fs::read(&path).unwrap_or_default();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    fs::write(&path, bytes).unwrap_or_else(|e| panic!("{e}"));

    let left = open(&dir).left_over(None);
    assert_eq!(left.records.len(), 1);
    assert!(left.damaged);
    assert!(left.problems[0].contains("damaged record"), "{:?}", left.problems);
    assert!(path.with_extension("damaged").exists());
}

#[test]
fn full_segments_roll_over_and_journaled_ones_are_released() {
    let (_tmp, dir) = spool_dir();
    let spool = open(&dir);
    let big = Some(vec![0u8; 3 * 1024 * 1024]);
    let ends: Vec<Position> = (1..=4).map(|n| append(&spool, &event(n, big.clone()))).collect();
    assert_eq!(
        ends[0].segment, ends[2].segment,
        "three records fit in one segment"
    );
    assert_eq!(ends[3].segment, ends[2].segment + 1, "the fourth starts the next");
    assert_eq!(spool.end(), ends[3]);
    spool.release_before(ends[3].segment);
    assert_eq!(segments(&dir).unwrap_or_default(), vec![ends[3].segment]);
}

#[test]
fn a_position_from_a_restored_database_of_another_machine_is_not_taken_for_these_files() {
    let (_tmp, dir) = spool_dir();
    let first_run = open(&dir);
    append(&first_run, &event(1, None));
    drop(first_run);
    // The restored database says the journal is at segment 50 of the other machine's spool.
    let foreign = Position {
        segment: 50,
        offset: 10,
    };
    let left = open(&dir).left_over(Some(foreign));
    assert_eq!(
        left.records.len(),
        1,
        "this machine's delivery is journaled, not deleted unread"
    );
}
