# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The SFTP drop client against a real SFTP server on 127.0.0.1."""

import os
import shutil
import time
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from ..errors import OutcomeUnknownError, PermanentError, TransientError
from ..sftp.client import (
    Ack,
    HostKeyError,
    Presence,
    SftpClient,
    SftpSettings,
    UploadReceipt,
    fetch_host_key_fingerprint,
    normalize_fingerprint,
)
from ..sftp.server import SftpServer, generate_client_key
from .common import start_command, unused_port

USER = "acme"
PASSWORD = "s3cret-Passw0rd"
PASSPHRASE = "key-passphrase"
KEY = generate_client_key(PASSPHRASE)
FOLDERS = ("out", "ack", "done", "error")
INVOICE = b"<Invoice>" + b"0123456789abcdef" * 20_000 + b"</Invoice>"  # 320 kB


@pytest.fixture
def server(tmp_path):
    with SftpServer(
        tmp_path / "drop",
        username=USER,
        password=PASSWORD,
        authorized_key=KEY.public_key,
        folders=FOLDERS,
    ) as server:
        yield server


def settings_for(server, **changes):
    settings = SftpSettings(
        server.host,
        server.port,
        USER,
        password=PASSWORD,
        host_key_fingerprint=server.host_key_fingerprint,
        upload_dir="out",
        ack_dir="ack",
        done_dir="done",
        error_dir="error",
        timeout=5,
    )
    return replace(settings, **changes)


def files(server, folder="out"):
    return sorted(os.listdir(server.root / folder))


def move(server, name, folder):
    shutil.move(server.root / "out" / name, server.root / folder / name)


# --- Connection and authentication -------------------------------------------


def test_upload_with_a_password_publishes_only_the_final_name(server):
    receipt = SftpClient(settings_for(server)).upload("FA-0001.xml", INVOICE)
    assert receipt == UploadReceipt(
        path="out/FA-0001.xml",
        size=len(INVOICE),
        sha256=receipt.sha256,
        reused=False,
    )
    assert len(receipt.sha256) == 64
    assert files(server) == ["FA-0001.xml"]
    assert (server.root / "out" / "FA-0001.xml").read_bytes() == INVOICE


@pytest.mark.parametrize(
    "key",
    [
        KEY,
        generate_client_key(algorithm="ssh-rsa", pem=True),
        generate_client_key(
            "pem-passphrase", algorithm="ecdsa-sha2-nistp256", pem=True
        ),
    ],
    ids=["ed25519-openssh-encrypted", "rsa-pem", "ecdsa-pem-encrypted"],
)
def test_upload_with_a_private_key(tmp_path, key):
    with SftpServer(
        tmp_path, username=USER, authorized_key=key.public_key, folders=["out"]
    ) as server:
        settings = settings_for(
            server,
            password=None,
            private_key=key.private_key,
            private_key_passphrase=key.passphrase,
        )
        assert SftpClient(settings).upload("a.xml", b"<a/>").size == 4
        assert files(server) == ["a.xml"]


def test_wrong_password_is_permanent_and_names_the_setting(server):
    with pytest.raises(PermanentError) as caught:
        SftpClient(settings_for(server, password="wrong")).upload("a.xml", b"<a/>")
    assert not isinstance(caught.value, TransientError)
    assert "password" in str(caught.value)
    assert "wrong" not in str(caught.value)
    assert files(server) == []


def test_unauthorized_key_is_refused(server):
    other = generate_client_key()
    settings = settings_for(server, password=None, private_key=other.private_key)
    with pytest.raises(PermanentError, match="private_key"):
        SftpClient(settings).upload("a.xml", b"<a/>")


def test_wrong_or_missing_passphrase_names_the_passphrase(server):
    settings = settings_for(server, password=None, private_key=KEY.private_key)
    with pytest.raises(PermanentError, match="private_key_passphrase"):
        SftpClient(settings).check()
    wrong = replace(settings, private_key_passphrase="nope")
    with pytest.raises(PermanentError, match="private_key_passphrase"):
        SftpClient(wrong).check()


def test_no_credential_at_all(server):
    with pytest.raises(PermanentError, match="password or a private_key"):
        SftpClient(settings_for(server, password=None)).check()


def test_secrets_stay_out_of_settings_repr(server):
    settings = settings_for(
        server, private_key=KEY.private_key, private_key_passphrase=PASSPHRASE
    )
    shown = repr(settings) + repr(SftpClient(settings))
    for secret in (PASSWORD, PASSPHRASE, KEY.private_key):
        assert secret not in shown


def test_host_key_mismatch_refuses_before_logging_in(server, tmp_path):
    with SftpServer(tmp_path / "other", username=USER, password=PASSWORD) as other:
        pinned = other.host_key_fingerprint
    with pytest.raises(HostKeyError) as caught:
        SftpClient(settings_for(server, host_key_fingerprint=pinned)).upload(
            "a.xml", b"<a/>"
        )
    error = caught.value
    assert isinstance(error, PermanentError)
    assert error.seen_fingerprint == server.host_key_fingerprint
    assert server.host_key_fingerprint in str(error)
    assert "host_key_fingerprint" in str(error)
    assert files(server) == []


def test_missing_fingerprint_tells_the_one_seen(server):
    with pytest.raises(HostKeyError) as caught:
        SftpClient(settings_for(server, host_key_fingerprint=None)).check()
    assert caught.value.seen_fingerprint == server.host_key_fingerprint
    assert "host_key_fingerprint" in str(caught.value)
    assert fetch_host_key_fingerprint(server.host, server.port, timeout=5) == (
        server.host_key_fingerprint
    )


def test_fingerprint_as_ssh_keygen_prints_it(server):
    line = f"256 {server.host_key_fingerprint} root@partner (ED25519)"
    assert normalize_fingerprint(line) == server.host_key_fingerprint
    assert SftpClient(settings_for(server, host_key_fingerprint=line)).check() == (
        server.host_key_fingerprint
    )
    with pytest.raises(PermanentError, match="host_key_fingerprint"):
        normalize_fingerprint("MD5:16:27:ac:a5:76:28:2d:36:63:1b:56:4d:eb:df:a6:48")


def test_unreachable_server_is_transient():
    port = unused_port()
    settings = SftpSettings(
        "127.0.0.1",
        port,
        USER,
        password=PASSWORD,
        host_key_fingerprint=None,
        upload_dir="out",
        timeout=2,
    )
    with pytest.raises(TransientError, match="Could not connect"):
        SftpClient(settings).upload("a.xml", b"<a/>")


def test_stalled_server_times_out(server):
    server.stall_seconds = 3
    started = time.monotonic()
    with pytest.raises(TransientError) as caught:
        SftpClient(settings_for(server, timeout=0.5)).upload("a.xml", b"<a/>")
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert "no answer in time" in str(caught.value)
    assert time.monotonic() - started < 2.5
    assert "a.xml" not in files(server)


def test_one_connection_serves_several_operations(server):
    with SftpClient(settings_for(server)) as client:
        for number in range(3):
            client.upload(f"FA-{number}.xml", INVOICE)
        client.find("FA-0.xml")
        client.read_acks(["FA-0.xml", "FA-1.xml"])
        assert server.connection_count == 1
    deadline = time.monotonic() + 5
    while server.connection_count and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.connection_count == 0


# --- Folders and names -------------------------------------------------------


def test_missing_upload_folder_names_the_setting(server):
    settings = settings_for(server, upload_dir="outbox")
    with pytest.raises(PermanentError, match="upload_dir"):
        SftpClient(settings).upload("a.xml", b"<a/>")
    with pytest.raises(PermanentError, match="upload_dir"):
        SftpClient(settings).check()


def test_check_names_a_missing_ack_folder(server):
    assert SftpClient(settings_for(server)).check() == server.host_key_fingerprint
    with pytest.raises(PermanentError, match="ack_dir"):
        SftpClient(settings_for(server, ack_dir="acks")).check()


def test_permission_denied_names_the_setting(server):
    server.read_only = True
    with pytest.raises(PermanentError, match="upload_dir") as caught:
        SftpClient(settings_for(server)).upload("a.xml", b"<a/>")
    assert "denied" in str(caught.value)


def test_filename_template_shapes_the_name_on_the_server(server):
    settings = settings_for(server, filename_template="ACME_{stem}.{ext}")
    client = SftpClient(settings)
    receipt = client.upload("FA-0001.xml", b"<a/>")
    assert receipt.path == "out/ACME_FA-0001.xml"
    assert client.find("FA-0001.xml").path == "out/ACME_FA-0001.xml"
    (server.root / "ack" / "ACME_FA-0001.xml.ack").write_text("")
    assert client.read_acks(["FA-0001.xml"])["FA-0001.xml"].status == "done"


@pytest.mark.parametrize(
    "changes, filename, setting",
    [
        ({"filename_template": "{invoice}.xml"}, "a.xml", "filename_template"),
        ({}, "../a.xml", "file name"),
        ({}, "a.xml.part", "filename_template"),
        ({"ack_done_template": "{name}.{date}"}, "a.xml", "ack_done_template"),
    ],
)
def test_bad_names_are_refused(server, changes, filename, setting):
    client = SftpClient(settings_for(server, **changes))
    with pytest.raises(PermanentError, match=setting):
        client.upload(filename, b"<a/>")
        client.read_acks([filename])


# --- Idempotency and interrupted uploads -------------------------------------


def test_same_upload_again_writes_nothing(server):
    client = SftpClient(settings_for(server))
    first = client.upload("FA-0001.xml", INVOICE)
    published = server.root / "out" / "FA-0001.xml"
    os.utime(published, (1_000_000_000, 1_000_000_000))
    again = client.upload("FA-0001.xml", INVOICE)
    assert again == replace(first, reused=True)
    assert published.stat().st_mtime == 1_000_000_000
    assert files(server) == ["FA-0001.xml"]


def test_same_upload_after_the_partner_took_it_is_not_sent_twice(server):
    client = SftpClient(settings_for(server))
    client.upload("FA-0001.xml", INVOICE)
    move(server, "FA-0001.xml", "done")
    receipt = client.upload("FA-0001.xml", INVOICE)
    assert receipt.reused
    assert receipt.path == "done/FA-0001.xml"
    assert files(server) == []


def test_another_content_under_a_published_name_is_refused(server):
    client = SftpClient(settings_for(server))
    client.upload("FA-0001.xml", INVOICE)
    for other in (INVOICE[:-1] + b"!", b"<short/>"):
        with pytest.raises(PermanentError, match="different content"):
            client.upload("FA-0001.xml", other)
    assert (server.root / "out" / "FA-0001.xml").read_bytes() == INVOICE


def test_upload_cut_half_way_leaves_no_final_name_and_the_retry_succeeds(server):
    server.cut_after_bytes = len(INVOICE) // 2
    client = SftpClient(settings_for(server))
    with pytest.raises(TransientError) as caught:
        client.upload("FA-0001.xml", INVOICE)
    assert not isinstance(caught.value, OutcomeUnknownError)
    assert files(server) == ["FA-0001.xml.part"]
    assert (server.root / "out" / "FA-0001.xml.part").stat().st_size < len(INVOICE)
    assert client.find("FA-0001.xml") is None
    receipt = client.upload("FA-0001.xml", INVOICE)
    assert not receipt.reused
    assert files(server) == ["FA-0001.xml"]
    assert (server.root / "out" / "FA-0001.xml").read_bytes() == INVOICE


def test_a_cut_connection_is_reopened_inside_a_with_block(server):
    with SftpClient(settings_for(server)) as client:
        server.cut_after_bytes = 1000
        with pytest.raises(TransientError):
            client.upload("FA-0001.xml", INVOICE)
        assert client.upload("FA-0001.xml", INVOICE).size == len(INVOICE)


def test_connection_lost_during_the_rename_is_an_unknown_outcome(server):
    server.cut_on_rename = True
    client = SftpClient(settings_for(server))
    with pytest.raises(OutcomeUnknownError, match="look it up"):
        client.upload("FA-0001.xml", INVOICE)
    presence = client.find("FA-0001.xml", checksum=True)
    assert presence.state == "pending"
    receipt = client.upload("FA-0001.xml", INVOICE)
    assert receipt.reused
    assert presence.sha256 == receipt.sha256
    assert files(server) == ["FA-0001.xml"]


def test_server_without_posix_rename(server):
    server.no_posix_rename = True
    client = SftpClient(settings_for(server))
    server.cut_after_bytes = 1000
    with pytest.raises(TransientError):
        client.upload("FA-0001.xml", INVOICE)
    assert files(server) == ["FA-0001.xml.part"]
    assert not client.upload("FA-0001.xml", INVOICE).reused
    assert client.upload("FA-0001.xml", INVOICE).reused
    with pytest.raises(PermanentError, match="different content"):
        client.upload("FA-0001.xml", b"<other/>")
    assert files(server) == ["FA-0001.xml"]
    assert (server.root / "out" / "FA-0001.xml").read_bytes() == INVOICE


@pytest.mark.parametrize("same", [True, False], ids=["same", "different"])
def test_plain_rename_onto_a_name_published_meanwhile(server, monkeypatch, same):
    """Without posix-rename, a rename never replaces a file: when the name
    appeared between the check and the rename, its content decides."""
    server.no_posix_rename = True
    client = SftpClient(settings_for(server))
    write_part = client._write_part

    def concurrent_publisher(sftp, part, content):
        write_part(sftp, part, content)
        published = INVOICE if same else b"<other/>"
        (server.root / "out" / "FA-0001.xml").write_bytes(published)

    monkeypatch.setattr(client, "_write_part", concurrent_publisher)
    if same:
        assert client.upload("FA-0001.xml", INVOICE).reused
    else:
        with pytest.raises(PermanentError, match="different content"):
            client.upload("FA-0001.xml", INVOICE)
    assert files(server) == ["FA-0001.xml"]


# --- Finding a file and reading acknowledgements -----------------------------


def test_find_tells_where_a_file_stands(server):
    client = SftpClient(settings_for(server))
    assert client.find("FA-0001.xml") is None
    for number in (1, 2, 3):
        client.upload(f"FA-000{number}.xml", INVOICE)
    move(server, "FA-0002.xml", "done")
    move(server, "FA-0003.xml", "error")
    found = {
        name: client.find(name)
        for name in ("FA-0001.xml", "FA-0002.xml", "FA-0003.xml")
    }
    assert {name: presence.state for name, presence in found.items()} == {
        "FA-0001.xml": "pending",
        "FA-0002.xml": "done",
        "FA-0003.xml": "error",
    }
    presence = found["FA-0002.xml"]
    assert isinstance(presence, Presence)
    assert (presence.path, presence.size, presence.sha256) == (
        "done/FA-0002.xml",
        len(INVOICE),
        None,
    )
    assert presence.modified_at.tzinfo is timezone.utc


def test_find_refuses_to_guess_when_a_folder_is_missing(server):
    client = SftpClient(settings_for(server, done_dir="processed"))
    with pytest.raises(PermanentError, match="done_dir"):
        client.find("FA-0001.xml")


def test_acks_by_ack_files_and_by_moved_files(server):
    names = [f"FA-000{number}.xml" for number in range(1, 7)]
    with SftpClient(settings_for(server)) as client:
        for name in names:
            client.upload(name, INVOICE)
        ack = server.root / "ack"
        (ack / "FA-0001.xml.ack").write_text("OK")
        (ack / "FA-0002.xml.error").write_text("  BR-CO-15: wrong total\n")
        move(server, "FA-0003.xml", "done")
        move(server, "FA-0004.xml", "error")
        (server.root / "error" / "FA-0004.xml.error").write_text("Unknown buyer")
        move(server, "FA-0005.xml", "error")
        acks = client.read_acks(names)
    assert set(acks) == set(names[:5])  # FA-0006 is not acknowledged yet
    assert {name: (ack.status, ack.reason) for name, ack in acks.items()} == {
        "FA-0001.xml": ("done", ""),
        "FA-0002.xml": ("error", "BR-CO-15: wrong total"),
        "FA-0003.xml": ("done", ""),
        "FA-0004.xml": ("error", "Unknown buyer"),
        "FA-0005.xml": ("error", ""),
    }
    assert acks["FA-0002.xml"] == Ack(
        filename="FA-0002.xml",
        status="error",
        reason="BR-CO-15: wrong total",
        at=acks["FA-0002.xml"].at,
        path="ack/FA-0002.xml.error",
    )
    assert acks["FA-0004.xml"].path == "error/FA-0004.xml.error"
    now = datetime.now(timezone.utc)
    for ack in acks.values():
        assert abs((now - ack.at).total_seconds()) < 60


def test_a_rejection_wins_and_ack_names_are_configurable(server):
    settings = settings_for(
        server,
        ack_done_template="{name}.ok",
        ack_error_template="{name}.ko",
        done_dir=None,
        error_dir=None,
    )
    with SftpClient(settings) as client:
        client.upload("a.xml", b"<a/>")
        client.upload("b.xml", b"<b/>")
        (server.root / "ack" / "a.xml.ok").write_text("")
        (server.root / "ack" / "a.xml.ko").write_text("Duplicate")
        (server.root / "ack" / "b.xml.ack").write_text("")  # not the pattern
        acks = client.read_acks(["a.xml", "b.xml"])
    assert list(acks) == ["a.xml"]
    assert (acks["a.xml"].status, acks["a.xml"].reason) == ("error", "Duplicate")


def test_missing_ack_is_absent_and_no_file_asked_is_no_connection(server):
    client = SftpClient(settings_for(server))
    assert client.read_acks(["FA-0001.xml"]) == {}
    assert SftpClient(settings_for(server, port=1)).read_acks([]) == {}


# --- The server as a command -------------------------------------------------


def test_server_command_prints_its_fingerprint_and_serves(tmp_path):
    port = unused_port()
    process = start_command(
        "connectors.sftp.server",
        "--root",
        str(tmp_path),
        "--port",
        str(port),
        "--user",
        USER,
        "--password",
        PASSWORD,
    )
    try:
        assert process.stdout.readline().startswith(f"SFTP server on 127.0.0.1:{port}")
        fingerprint = process.stdout.readline().split(": ")[1].strip()
        settings = SftpSettings(
            "127.0.0.1",
            port,
            USER,
            password=PASSWORD,
            host_key_fingerprint=fingerprint,
            upload_dir="out",
            timeout=5,
        )
        assert SftpClient(settings).upload("a.xml", b"<a/>").size == 4
        assert (tmp_path / "out" / "a.xml").read_bytes() == b"<a/>"
    finally:
        process.terminate()
        assert process.wait(timeout=10) == 0
        process.stdout.close()
