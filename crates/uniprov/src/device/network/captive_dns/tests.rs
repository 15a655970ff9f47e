use super::*;

const DEVICE: Ipv4Addr = Ipv4Addr::new(192, 168, 4, 1);

/// A standard query for `name` (dotted) of `qtype`, class IN, recursion desired, id 0x1234.
fn query(name: &str, qtype: u16) -> Vec<u8> {
    let mut q = vec![0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0];
    for label in name.split('.').filter(|l| !l.is_empty()) {
        q.push(label.len() as u8);
        q.extend_from_slice(label.as_bytes());
    }
    q.push(0);
    q.extend_from_slice(&qtype.to_be_bytes());
    q.extend_from_slice(&CLASS_IN.to_be_bytes());
    q
}

fn rcode(response: &[u8]) -> u8 {
    response[3] & 0x0f
}

fn count(response: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([response[at], response[at + 1]])
}

#[test]
fn an_a_query_for_any_name_is_answered_with_the_device_address() {
    for name in [
        "connectivitycheck.gstatic.com",
        "captive.apple.com",
        "www.msftconnecttest.com",
        "nmcheck.gnome.org",
        "x",
        "",
    ] {
        let q = query(name, TYPE_A);
        let r = answer(&q, DEVICE).expect("answered");
        assert_eq!(&r[..2], &[0x12, 0x34], "id");
        assert_eq!(r[2], 0x85, "QR, AA, RD: {name}");
        assert_eq!(rcode(&r), 0);
        assert_eq!(count(&r, 4), 1, "one question");
        assert_eq!(count(&r, 6), 1, "one answer");
        assert_eq!(&r[12..q.len()], &q[12..], "the question echoed");
        let a = &r[q.len()..];
        assert_eq!(a, &[0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 192, 168, 4, 1]);
    }
}

#[test]
fn aaaa_and_other_types_get_no_answer_and_no_error() {
    for qtype in [28u16, 16, 15, 12, 65] {
        let q = query("captive.apple.com", qtype);
        let r = answer(&q, DEVICE).expect("answered");
        assert_eq!(rcode(&r), 0, "type {qtype}");
        assert_eq!(count(&r, 6), 0, "type {qtype}");
        assert_eq!(r.len(), q.len());
    }
    let any = answer(&query("a.b", TYPE_ANY), DEVICE).expect("answered");
    assert_eq!(count(&any, 6), 1);
}

#[test]
fn edns_records_after_the_question_are_ignored() {
    let mut q = query("example.com", TYPE_A);
    q[11] = 1; // ARCOUNT 1
    q.extend_from_slice(&[0, 0, 41, 0x10, 0, 0, 0, 0, 0, 0, 0]); // OPT, 4096 bytes
    let r = answer(&q, DEVICE).expect("answered");
    assert_eq!(count(&r, 6), 1);
    assert_eq!(count(&r, 10), 0, "no additional records");
}

#[test]
fn responses_and_short_packets_are_not_answered() {
    let mut q = query("a.com", TYPE_A);
    q[2] |= 0x80;
    assert_eq!(answer(&q, DEVICE), None);
    for length in 0..12 {
        assert_eq!(answer(&vec![0; length], DEVICE), None, "{length}");
    }
}

#[test]
fn malformed_questions_get_formerr_and_other_opcodes_notimp() {
    let mut two = query("a.com", TYPE_A);
    two[5] = 2;
    let mut none = query("a.com", TYPE_A);
    none[5] = 0;
    let mut pointer = query("", TYPE_A);
    pointer.truncate(12);
    pointer.extend_from_slice(&[0xc0, 12, 0, 1, 0, 1]);
    let mut long_label = query("", TYPE_A);
    long_label.truncate(12);
    long_label.push(64);
    long_label.extend_from_slice(&[b'a'; 64]);
    long_label.extend_from_slice(&[0, 0, 1, 0, 1]);
    let long_name = query(&["abcdefghij"; 26].join("."), TYPE_A);
    let mut cut = query("a.com", TYPE_A);
    cut.truncate(cut.len() - 1);
    for (what, q) in [
        ("two questions", two),
        ("no question", none),
        ("compression pointer", pointer),
        ("label over 63 bytes", long_label),
        ("name over 255 bytes", long_name),
        ("truncated", cut),
    ] {
        let r = answer(&q, DEVICE).expect("answered");
        assert_eq!(rcode(&r), RCODE_FORMERR, "{what}");
        assert_eq!(r.len(), 12, "{what}");
        assert_eq!(&r[..2], &[0x12, 0x34], "{what}");
    }
    let mut status = query("a.com", TYPE_A);
    status[2] = 0x10; // opcode 2 (STATUS)
    let r = answer(&status, DEVICE).expect("answered");
    assert_eq!(rcode(&r), RCODE_NOTIMP);
    assert_eq!((r[2] >> 3) & 0x0f, 2, "the opcode echoed");
}

/// xorshift64: reproducible bytes without a dependency.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[test]
fn no_input_panics_and_every_answer_fits_512_bytes() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let seeds = [
        query("connectivitycheck.gstatic.com", TYPE_A),
        query("a", 28),
    ];
    for round in 0..1_000_000u32 {
        let packet: Vec<u8> = if round % 2 == 0 {
            let length = (next(&mut state) % 300) as usize;
            (0..length).map(|_| next(&mut state) as u8).collect()
        } else {
            let mut p = seeds[(round / 2 % 2) as usize].clone();
            for _ in 0..1 + next(&mut state) % 4 {
                let at = (next(&mut state) as usize) % p.len();
                p[at] = next(&mut state) as u8;
            }
            p.truncate((next(&mut state) as usize) % (p.len() + 1));
            p
        };
        if let Some(r) = answer(&packet, DEVICE) {
            assert!(r.len() <= 512);
            assert_eq!(&r[..2], &packet[..2]);
        }
    }
}

#[tokio::test]
async fn the_responder_answers_over_a_real_udp_socket() {
    let socket = bind("127.0.0.1:0".parse().expect("addr"))
        .await
        .expect("bind");
    let addr = socket.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(serve(socket, DEVICE, async move {
        let _ = stopped.await;
    }));
    let client = UdpSocket::bind("127.0.0.1:0").await.expect("client");
    client.connect(addr).await.expect("connect");
    // Garbage first: no answer, and the responder keeps serving.
    client.send(&[1, 2, 3]).await.expect("send");
    client
        .send(&query("connectivitycheck.gstatic.com", TYPE_A))
        .await
        .expect("send");
    let mut buffer = [0u8; 512];
    let length = tokio::time::timeout(std::time::Duration::from_secs(10), client.recv(&mut buffer))
        .await
        .expect("answered in time")
        .expect("recv");
    let r = &buffer[..length];
    assert_eq!(count(r, 6), 1);
    assert_eq!(&r[length - 4..], &[192, 168, 4, 1]);
    drop(stop);
    tokio::time::timeout(std::time::Duration::from_secs(10), server)
        .await
        .expect("stops")
        .expect("no panic");
}
