//! Tearing sweep over the golden `store` session: the power is cut during every persistent
//! write the session makes, in turn; the torn card is saved, restored and powered up, and
//! must be consistent.
//!
//! The oracle, from JCRE 3.0.5 §7 (atomicity and transactions) and the applet's source
//! (`store/src/golden/store/Store.java`):
//!
//! 1. *State.* With the power cut during write `k` (0-based) of command `C`, the card
//!    after power-up holds exactly the persistent state it had before `C`, except that
//!    writes `C` completed outside a transaction stay. In `Store` the only such writes are
//!    the bytes INS 0x23 copies with `Util.arrayCopyNonAtomic` before anything else — one
//!    write per byte, in index order in this NVM model — so for INS 0x23 the first
//!    `min(k, n)` of its `n` bytes keep their new value. Every other persistent write of
//!    `Store` is either the single `counter++` of INS 0x20 (the torn write itself, which
//!    does not happen: single writes are atomic) or inside a transaction whose commit
//!    record is the transaction's last write, so the tear always precedes the commit and
//!    the transaction is rolled back. Transient memory and the JCRE exceptions' reasons
//!    are not compared (power-up clears them).
//! 2. *Behaviour.* The applet still answers, and the rest of the session gives exactly
//!    the responses of an untorn card that was power-cycled at the same point: after the
//!    power-up the terminal selects the applet again and, unless `C`'s effects are
//!    complete, repeats `C`.
//!
//! The untorn session itself is checked against the golden responses first.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::session::fixture_dir;
use common::{hex, matches_pattern, TestRuntime};
use jcos_vm::heap::{Access, ArrayData, Body, Memory, NativeState};
use jcos_vm::interp::Trap;
use jcos_vm::snapshot::VmImage;
use jcos_vm::{AppletId, Outcome, Vm, VmConfig};

/// One line of a session.
#[derive(Clone, Debug)]
enum Step {
    Load(String),
    Install(Vec<u8>, Vec<u8>, Vec<u8>),
    Reset,
    Apdu { command: Vec<u8>, expected: String },
}

fn parse(session: &str) -> Vec<Step> {
    let mut steps = Vec::new();
    for raw in session.lines() {
        let line = raw.split('#').next().unwrap_or("").trim();
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        match word {
            "" => {}
            "load" => steps.push(Step::Load(rest.to_string())),
            "install" => {
                let parts: Vec<&str> = rest.split_whitespace().collect();
                let params = parts.get(2).map(|p| hex(p)).unwrap_or_default();
                steps.push(Step::Install(hex(parts[0]), hex(parts[1]), params));
            }
            "reset" => steps.push(Step::Reset),
            ">>" => steps.push(Step::Apdu {
                command: hex(rest),
                expected: String::new(),
            }),
            "<<" => match steps.last_mut() {
                Some(Step::Apdu { expected, .. }) => *expected = rest.to_string(),
                _ => panic!("<< without >>"),
            },
            other => panic!("unknown directive {other}"),
        }
    }
    steps
}

/// A bare card around the VM, answering SELECT by AID like the JCRE (as the common
/// session runner does).
#[derive(Clone)]
struct Card {
    vm: Vm,
    selected: Option<AppletId>,
}

impl Card {
    fn send(&mut self, apdu: &[u8]) -> Vec<u8> {
        let mut rt = TestRuntime::default();
        rt.set_command(apdu);
        let is_select = apdu.len() > 5 && apdu[0] == 0x00 && apdu[1] == 0xA4 && apdu[2] == 0x04;
        let sw = if is_select {
            match self.vm.applet_by_aid(&rt.data) {
                Some(applet) => {
                    if let Some(old) = self.selected.take() {
                        self.vm.deselect(old, &mut rt);
                    }
                    if self.vm.select(applet, &mut rt) != Outcome::Completed(true) {
                        0x6999
                    } else {
                        self.selected = Some(applet);
                        rt.selecting = true;
                        self.vm.process(applet, &mut rt).status_word()
                    }
                }
                None => 0x6A82,
            }
        } else {
            match self.selected {
                Some(applet) => self.vm.process(applet, &mut rt).status_word(),
                None => 0x6D00,
            }
        };
        let mut response = rt.response;
        response.extend_from_slice(&sw.to_be_bytes());
        response
    }

    fn power_cycle(&mut self) {
        self.vm.power_up();
        self.selected = None;
    }

    fn writes(&self) -> u64 {
        self.vm.heap().persistent_writes()
    }

    fn selected_aid(&self) -> Option<Vec<u8>> {
        self.selected
            .and_then(|a| self.vm.applet_aid(a))
            .map(<[u8]>::to_vec)
    }
}

fn load(vm: &mut Vm, dir: &Path, name: &str) {
    let cap_dir = dir.parent().expect("fixtures").join(name);
    let cap = std::fs::read_dir(&cap_dir)
        .expect("fixture directory")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "cap"))
        .expect("fixture CAP");
    vm.load_bytes(&std::fs::read(cap).expect("CAP"))
        .expect("CAP loads");
}

/// A persistent location: (object handle, element or field word), or a static field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Loc {
    Object(u32, u32),
    Native(u32),
    Kind(u32),
    StaticByte(u16, u32),
    StaticRef(u16, u32),
    Applets,
}

/// The card's persistent state as a map of locations to values: fields, persistent array
/// elements, native state, the shape of every object (transient contents excluded), static
/// fields and the applet table.
fn persistent_view(vm: &Vm) -> BTreeMap<Loc, String> {
    let mut view = BTreeMap::new();
    let heap = vm.heap();
    for (r, o) in heap.objects() {
        let id = r.word() as u32;
        match &o.body {
            Body::Instance(i) => {
                view.insert(
                    Loc::Kind(id),
                    format!("instance {} of {:?}", i.class, o.owner),
                );
                for (w, v) in i.fields.iter().enumerate() {
                    view.insert(Loc::Object(id, w as u32), v.to_string());
                }
                let volatile = o.access == Access::TemporaryEntryPoint
                    && matches!(i.native, NativeState::Reason(_));
                if !volatile {
                    view.insert(Loc::Native(id), format!("{:?}", i.native));
                }
            }
            Body::Array(a) => {
                view.insert(
                    Loc::Kind(id),
                    format!("{:?} array[{}] of {:?}", a.memory, a.data.len(), o.owner),
                );
                if a.memory != Memory::Persistent {
                    continue;
                }
                let elements: Vec<i64> = match &a.data {
                    ArrayData::Boolean(v) | ArrayData::Byte(v) => {
                        v.iter().map(|x| i64::from(*x)).collect()
                    }
                    ArrayData::Short(v) => v.iter().map(|x| i64::from(*x)).collect(),
                    ArrayData::Int(v) => v.iter().map(|x| i64::from(*x)).collect(),
                    ArrayData::Reference { items, .. } => {
                        items.iter().map(|x| i64::from(*x)).collect()
                    }
                };
                for (i, v) in elements.into_iter().enumerate() {
                    view.insert(Loc::Object(id, i as u32), v.to_string());
                }
            }
        }
    }
    for seg in 0..heap.static_segments() {
        let image = heap.static_image(seg).expect("segment");
        for (i, b) in image.bytes.iter().enumerate() {
            view.insert(Loc::StaticByte(seg, i as u32), b.to_string());
        }
        for (i, r) in image.refs.iter().enumerate() {
            view.insert(Loc::StaticRef(seg, i as u32), r.to_string());
        }
    }
    let image = vm.snapshot().expect("snapshot");
    view.insert(Loc::Applets, format!("{:?}", image.applets()));
    view
}

/// Saves the card's VM the way an image does (serde), restores it and powers it up.
fn through_image(card: &Card) -> (Card, jcos_vm::heap::Recovery) {
    let image = card.vm.snapshot().expect("snapshot");
    let bytes = serde_json::to_vec(&image).expect("encode");
    let image: VmImage = serde_json::from_slice(&bytes).expect("decode");
    let mut vm = Vm::restore(image, VmConfig::default()).expect("restore");
    let recovery = vm.power_up();
    (Card { vm, selected: None }, recovery)
}

fn select(aid: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x00, 0xA4, 0x04, 0x00, aid.len() as u8];
    apdu.extend_from_slice(aid);
    apdu
}

/// The setup steps (loads and installs) run on a new card.
fn set_up(steps: &[Step], dir: &Path) -> Card {
    let mut card = Card {
        vm: Vm::new().expect("VM"),
        selected: None,
    };
    for step in steps {
        match step {
            Step::Load(name) => load(&mut card.vm, dir, name),
            Step::Install(class, instance, params) => {
                let mut rt = TestRuntime::default();
                card.vm
                    .install(class, instance, params, &mut rt)
                    .expect("install");
            }
            _ => unreachable!("setup holds loads and installs"),
        }
    }
    card
}

/// Plays steps, returning the responses to the APDUs.
fn play(card: &mut Card, steps: &[Step]) -> Vec<Vec<u8>> {
    let mut responses = Vec::new();
    for step in steps {
        match step {
            Step::Reset => card.power_cycle(),
            Step::Apdu { command, .. } => responses.push(card.send(command)),
            other => panic!("unexpected step after setup: {other:?}"),
        }
    }
    responses
}

/// INS of the `Store` command that copies its data non-atomically before any other
/// persistent write.
const INS_NON_ATOMIC_COPY: u8 = 0x23;

#[test]
fn every_tear_in_the_store_session_recovers_consistently() {
    let dir = fixture_dir("store");
    let Ok(session) = std::fs::read_to_string(dir.join("session")) else {
        println!("skipped: ../shared/fixtures/jcvm-golden not present");
        return;
    };
    let steps = parse(&session);
    let first = steps
        .iter()
        .position(|s| !matches!(s, Step::Load(_) | Step::Install(..)))
        .expect("session has commands");
    let (setup, rest) = steps.split_at(first);
    let base = set_up(setup, &dir);

    // The untorn run, against the golden responses; the card before each step is kept.
    let mut card = base.clone();
    let mut before: Vec<Card> = Vec::new();
    for step in rest {
        before.push(card.clone());
        match step {
            Step::Reset => card.power_cycle(),
            Step::Apdu { command, expected } => {
                let response = card.send(command);
                assert!(
                    matches_pattern(expected, &response),
                    "untorn run: {} gave {}, expected {expected}",
                    jcos_apdu::hex::encode(command),
                    jcos_apdu::hex::encode(&response)
                );
            }
            _ => unreachable!(),
        }
    }
    before.push(card.clone());

    let mut torn_points = 0;
    let mut rolled_back = 0;
    for (c, step) in rest.iter().enumerate() {
        let Step::Apdu { command, .. } = step else {
            continue;
        };
        let writes = before[c + 1].writes() - before[c].writes();
        let state_before = persistent_view(&before[c].vm);
        let state_after = persistent_view(&before[c + 1].vm);
        for k in 0..writes {
            torn_points += 1;
            let what = format!(
                "tear during write {k} of {} (step {c})",
                jcos_apdu::hex::encode(command)
            );
            let mut torn = before[c].clone();
            torn.vm.arm_tear(k);
            // Whatever the bare VM reports, a card answers nothing once the power is cut
            // (the abort of INS 21 P2=2's transaction runs after its ISOException).
            torn.send(command);
            assert!(torn.vm.power_lost(), "{what}: the power was not cut");
            let (mut recovered, recovery) = through_image(&torn);
            rolled_back += usize::from(recovery.rolled_back);

            // 1. State.
            let mut expected = state_before.clone();
            if command[1] == INS_NON_ATOMIC_COPY {
                let n = usize::from(command[4]);
                let changed: Vec<Loc> = state_after
                    .iter()
                    .filter(|(l, v)| state_before.get(l) != Some(v))
                    .map(|(l, _)| *l)
                    .collect();
                assert!(changed.len() <= n, "{what}: INS 23 changes only its bytes");
                for l in changed.iter().take((k as usize).min(n)) {
                    expected.insert(*l, state_after[l].clone());
                }
            }
            let state = persistent_view(&recovered.vm);
            let diff: Vec<_> = state
                .iter()
                .filter(|(l, v)| expected.get(l) != Some(v))
                .map(|(l, v)| format!("{l:?}: {v} (expected {:?})", expected.get(l)))
                .collect();
            assert!(
                diff.is_empty() && state.len() == expected.len(),
                "{what}: recovered state differs:\n{}",
                diff.join("\n")
            );
            let complete = state == state_after;

            // 2. Behaviour: the rest of the session against an untorn card power-cycled
            // before the command (which the terminal then repeats) or, when the command's
            // effects are complete, after it.
            let origin = if complete { &before[c + 1] } else { &before[c] };
            let mut reference = origin.clone();
            reference.power_cycle();
            let mut retry = Vec::new();
            let reselect = origin.selected_aid();
            if let Some(aid) = &reselect {
                retry.push(Step::Apdu {
                    command: select(aid),
                    expected: String::new(),
                });
            }
            if !complete {
                retry.push(step.clone());
            }
            let later: Vec<Step> = retry.into_iter().chain(rest[c + 1..].to_vec()).collect();
            let got = play(&mut recovered, &later);
            let want = play(&mut reference, &later);
            if let Some(aid) = reselect {
                assert_eq!(
                    got[0],
                    [0x90, 0x00],
                    "{what}: applet {} does not answer SELECT",
                    jcos_apdu::hex::encode(&aid)
                );
            }
            assert_eq!(got, want, "{what}: later responses differ");
            assert_eq!(
                persistent_view(&recovered.vm),
                persistent_view(&reference.vm),
                "{what}: final state differs"
            );
        }
    }
    // The session writes: counters, transactions (committed, aborted, thrown, nested,
    // with a NullPointerException), a non-atomic copy, commit-only transactions.
    assert!(
        torn_points >= 25,
        "only {torn_points} persistent writes swept"
    );
    assert!(rolled_back >= 15, "only {rolled_back} rollbacks");
    println!("{torn_points} tear points, {rolled_back} interrupted transactions rolled back");
}

#[test]
fn a_tear_during_install_leaves_no_instance_and_the_install_can_be_repeated() {
    let dir = fixture_dir("store");
    if !dir.exists() {
        println!("skipped: ../shared/fixtures/jcvm-golden not present");
        return;
    }
    let mut base = Card {
        vm: Vm::new().expect("VM"),
        selected: None,
    };
    load(&mut base.vm, &dir, "ops");
    load(&mut base.vm, &dir, "store");
    let class = hex("F04A434F53100200");
    let instance = hex("F04A434F53100202");
    let params = hex("0100");
    let mut probe = base.clone();
    let start = probe.writes();
    probe
        .vm
        .install(&class, &instance, &params, &mut TestRuntime::default())
        .expect("install");
    let writes = probe.writes() - start;
    assert!(
        writes >= 6,
        "install makes the applet's objects: {writes} writes"
    );
    for k in 0..writes {
        let mut torn = base.clone();
        torn.vm.arm_tear(k);
        let result = torn
            .vm
            .install(&class, &instance, &params, &mut TestRuntime::default());
        assert!(result.is_err(), "tear at {k}: install must fail");
        assert!(torn.vm.power_lost());
        let (mut card, _) = through_image(&torn);
        assert_eq!(card.vm.applet_by_aid(&instance), None, "tear at {k}");
        card.vm
            .install(&class, &instance, &params, &mut TestRuntime::default())
            .expect("install again");
        assert_eq!(card.send(&select(&instance)), [0x90, 0x00]);
        // The install parameter 0100 set the counter: the first increment gives 0101.
        assert_eq!(card.send(&hex("8020000000")), hex("01019000"));
    }
}

#[test]
fn the_power_loss_trap_is_not_catchable_and_the_card_stays_silent() {
    let dir = fixture_dir("store");
    if !dir.exists() {
        println!("skipped: ../shared/fixtures/jcvm-golden not present");
        return;
    }
    let mut card = Card {
        vm: Vm::new().expect("VM"),
        selected: None,
    };
    load(&mut card.vm, &dir, "ops");
    load(&mut card.vm, &dir, "store");
    let instance = hex("F04A434F53100201");
    card.vm
        .install(
            &hex("F04A434F53100200"),
            &instance,
            &[],
            &mut TestRuntime::default(),
        )
        .expect("install");
    assert_eq!(card.send(&select(&instance)), [0x90, 0x00]);
    // INS 21 P2=3 catches the TransactionException of a nested begin; a tear inside its
    // transaction must not reach that handler.
    card.vm.arm_tear(1);
    let applet = card.selected.expect("selected");
    let mut rt = TestRuntime::default();
    rt.set_command(&hex("80210003021122"));
    let outcome = card.vm.process(applet, &mut rt);
    assert_eq!(outcome, Outcome::Trapped(Trap::PowerLoss));
    assert!(
        rt.response.is_empty(),
        "no response data after a power loss"
    );
    let recovery = card.vm.power_up();
    assert!(recovery.rolled_back);
    assert_eq!(recovery.restored, 1, "the arrayCopy before the tear");
}
