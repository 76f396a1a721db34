# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A real SFTP server on 127.0.0.1, for tests and demos (asyncssh).

In process::

    with SftpServer(tmp_path, username="acme", password="secret") as server:
        settings = SftpSettings(server.host, server.port, "acme", password=...,
                                host_key_fingerprint=server.host_key_fingerprint,
                                upload_dir="out")

or from a shell, from the repository root::

    python -m connectors.sftp.server --root DROP_FOLDER --port 2222 \
        --user acme --password secret

The server runs asyncssh in a thread with its own event loop, so it serves
a synchronous client (paramiko, Odoo) in the same process. Users see
``root`` as ``/`` (chroot). Its ed25519 host key is generated when the
server is made unless one is given.

Faults for tests, attributes that may be changed while the server runs:

* ``cut_after_bytes``: after that many bytes written in one connection, the
  connection is dropped in the middle of the upload. Fires once, then
  resets to None, so that the retry goes through.
* ``cut_on_rename``: the next rename is done, then the connection dropped
  before the answer (the client cannot know whether it happened). Fires
  once.
* ``no_posix_rename``: the ``posix-rename@openssh.com`` request is answered
  "operation unsupported", as servers without it do. (asyncssh still lists
  the extension in its greeting; the refusal is what the client must cope
  with.)
* ``read_only``: writing, renaming and removing are denied.
* ``stall_seconds``: every open waits that long first, to test timeouts.
"""

import argparse
import asyncio
import hmac
import logging
import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

DEFAULT_HOST = "127.0.0.1"
WRITE_FLAGS = asyncssh.FXF_WRITE | asyncssh.FXF_APPEND | asyncssh.FXF_CREAT


@dataclass(frozen=True)
class ClientKeyPair:
    """A client key pair for tests: the private key as the client's settings
    take it, the public key as an ``authorized_keys`` line."""

    private_key: str = field(repr=False)
    public_key: str
    fingerprint: str
    passphrase: str | None = field(default=None, repr=False)


def generate_client_key(passphrase=None, *, algorithm="ssh-ed25519", pem=False):
    """A new client key pair.

    :param algorithm: ``ssh-ed25519``, ``ssh-rsa`` or ``ecdsa-sha2-nistp256``.
    :param pem: write the private key as PEM (PKCS#1 for RSA, SEC1 for
        ECDSA) instead of the OpenSSH format.
    """
    key = asyncssh.generate_private_key(algorithm, comment="test")
    if pem:
        private = key.export_private_key("pkcs1-pem", passphrase)
    else:
        # 16 bcrypt rounds, as ssh-keygen does; asyncssh's 128 are slow.
        private = key.export_private_key(
            "openssh",
            passphrase,
            cipher_name="aes256-ctr",
            rounds=16,
            ignore_few_rounds=True,
        )
    return ClientKeyPair(
        private_key=private.decode("ascii"),
        public_key=key.export_public_key("openssh").decode("ascii").strip(),
        fingerprint=key.get_fingerprint("sha256"),
        passphrase=passphrase,
    )


class _SSHServer(asyncssh.SSHServer):
    """Authentication: one user, by password and/or authorized keys."""

    def __init__(self, server):
        self._server = server
        self._connection = None

    def connection_made(self, conn):
        self._connection = conn
        self._server._connections.add(conn)

    def connection_lost(self, exc):
        self._server._connections.discard(self._connection)

    def begin_auth(self, username):
        server = self._server
        if server._authorized_keys is not None and username == server.username:
            self._connection.set_authorized_keys(server._authorized_keys)
        return True

    def password_auth_supported(self):
        return self._server.password is not None

    def validate_password(self, username, password):
        server = self._server
        return username == server.username and hmac.compare_digest(
            password.encode("utf-8"), server.password.encode("utf-8")
        )

    def public_key_auth_supported(self):
        return self._server._authorized_keys is not None


class _SFTPServer(asyncssh.SFTPServer):
    """The chrooted file system, with the faults the tests switch on."""

    def __init__(self, chan, server):
        super().__init__(chan, chroot=str(server.root).encode())
        self._server = server
        self._written = 0
        self._cut = False

    def _check_alive(self):
        if self._cut:
            raise asyncssh.SFTPConnectionLost("Connection cut by the test")

    def _check_writable(self):
        self._check_alive()
        if self._server.read_only:
            raise asyncssh.SFTPPermissionDenied("Read-only server")

    def _drop(self):
        self._cut = True
        self.connection.abort()

    async def open(self, path, pflags, attrs):
        self._check_alive()
        if pflags & WRITE_FLAGS:
            self._check_writable()
        if self._server.stall_seconds:
            await asyncio.sleep(self._server.stall_seconds)
        return super().open(path, pflags, attrs)

    def write(self, file_obj, offset, data):
        self._check_alive()
        limit = self._server.cut_after_bytes
        if limit is not None and self._written + len(data) >= limit:
            self._server.cut_after_bytes = None
            kept = max(limit - self._written, 0)
            super().write(file_obj, offset, data[:kept])
            file_obj.flush()
            self._drop()
            raise asyncssh.SFTPConnectionLost("Connection cut by the test")
        self._written += len(data)
        return super().write(file_obj, offset, data)

    def _renamed(self, rename, oldpath, newpath):
        self._check_writable()
        rename(oldpath, newpath)
        if self._server.cut_on_rename:
            self._server.cut_on_rename = False
            self._drop()
            raise asyncssh.SFTPConnectionLost("Connection cut by the test")

    def rename(self, oldpath, newpath):
        return self._renamed(super().rename, oldpath, newpath)

    def posix_rename(self, oldpath, newpath):
        if self._server.no_posix_rename:
            raise asyncssh.SFTPOpUnsupported("posix-rename is not supported")
        return self._renamed(super().posix_rename, oldpath, newpath)

    def remove(self, path):
        self._check_writable()
        return super().remove(path)

    def mkdir(self, path, attrs):
        self._check_writable()
        return super().mkdir(path, attrs)

    def rmdir(self, path):
        self._check_writable()
        return super().rmdir(path)

    def setstat(self, path, attrs):
        self._check_writable()
        return super().setstat(path, attrs)


class SftpServer:
    """An SFTP server on 127.0.0.1 serving ``root``, in a background thread.

    :param root: the folder users see as ``/``; created if missing.
    :param username: the one user allowed in.
    :param password: its password; None to refuse password logins.
    :param authorized_key: an ``authorized_keys`` text (one or more public
        key lines) the user may log in with; None to refuse keys.
    :param port: the port, 0 for any free one (read ``.port`` after start).
    :param folders: folders to create under ``root``, e.g. ``("out", "ack")``.
    :param host_key: an asyncssh private key or OpenSSH private key text, to
        keep the same fingerprint between runs; generated otherwise.
    """

    def __init__(
        self,
        root,
        *,
        username,
        password=None,
        authorized_key=None,
        port=0,
        host=DEFAULT_HOST,
        folders=(),
        host_key=None,
        cut_after_bytes=None,
        cut_on_rename=False,
        no_posix_rename=False,
        read_only=False,
        stall_seconds=0,
    ):
        self.root = Path(root).resolve()
        self.username = username
        self.password = password
        self._authorized_keys = (
            asyncssh.import_authorized_keys(authorized_key) if authorized_key else None
        )
        self.host, self.port = host, port
        self.folders = tuple(folders)
        if host_key is None:
            host_key = asyncssh.generate_private_key("ssh-ed25519")
        elif isinstance(host_key, str | bytes):
            host_key = asyncssh.import_private_key(host_key)
        self.host_key = host_key
        self.host_key_fingerprint = host_key.get_fingerprint("sha256")
        self.cut_after_bytes = cut_after_bytes
        self.cut_on_rename = cut_on_rename
        self.no_posix_rename = no_posix_rename
        self.read_only = read_only
        self.stall_seconds = stall_seconds
        self._connections = set()
        self._loop = None
        self._thread = None
        self._acceptor = None

    def __repr__(self):
        return f"<SftpServer {self.host}:{self.port} root={self.root}>"

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        # asyncssh logs every channel event at INFO, which drowns a test
        # run's log; unless someone chose its level, keep its warnings only.
        asyncssh_logger = logging.getLogger("asyncssh")
        if asyncssh_logger.level == logging.NOTSET:
            asyncssh_logger.setLevel(logging.WARNING)
        self.root.mkdir(parents=True, exist_ok=True)
        for folder in self.folders:
            (self.root / folder).mkdir(parents=True, exist_ok=True)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name=f"sftp-server-{self.port}", daemon=True
        )
        self._thread.start()
        listening = asyncio.run_coroutine_threadsafe(self._listen(), self._loop)
        try:
            self._acceptor = listening.result(timeout=30)
        except BaseException:
            self._shutdown_loop()
            raise
        self.port = self._acceptor.get_port()
        return self

    async def _listen(self):
        return await asyncssh.create_server(
            lambda: _SSHServer(self),
            self.host,
            self.port,
            server_host_keys=[self.host_key],
            sftp_factory=lambda chan: _SFTPServer(chan, self),
            allow_scp=False,
        )

    def stop(self):
        if self._loop is None:
            return
        if self._acceptor is not None:
            closing = asyncio.run_coroutine_threadsafe(self._close(), self._loop)
            closing.result(timeout=30)
            self._acceptor = None
        self._shutdown_loop()

    async def _close(self):
        self._acceptor.close()
        connections = list(self._connections)
        for connection in connections:
            connection.abort()
        await self._acceptor.wait_closed()
        if connections:
            closing = [connection.wait_closed() for connection in connections]
            await asyncio.wait_for(asyncio.gather(*closing), timeout=10)
        # Whatever still runs (a stalled open, say) is abandoned with the loop.
        pending = [
            task for task in asyncio.all_tasks() if task is not asyncio.current_task()
        ]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def _shutdown_loop(self):
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._loop.close()
        self._loop = self._thread = None

    @property
    def connection_count(self):
        """Connections open right now."""
        return len(self._connections)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="A local SFTP server for tests and demos."
    )
    parser.add_argument("--root", required=True, help="folder users see as /")
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=2222)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", help="or SFTP_PASSWORD in the environment")
    parser.add_argument(
        "--authorized-key", help="file of public keys the user may log in with"
    )
    parser.add_argument(
        "--host-key",
        help="file of the server's private key; made on first use, so that "
        "the fingerprint stays the same between runs",
    )
    parser.add_argument(
        "--folders",
        default="out,ack,done,error",
        help="comma-separated folders to create under the root",
    )
    arguments = parser.parse_args(argv)
    password = arguments.password or os.environ.get("SFTP_PASSWORD")
    authorized = (
        Path(arguments.authorized_key).read_text() if arguments.authorized_key else None
    )
    if not (password or authorized):
        parser.error("give --password (or SFTP_PASSWORD) or --authorized-key")
    host_key = None
    if arguments.host_key:
        path = Path(arguments.host_key)
        if not path.exists():
            key = asyncssh.generate_private_key("ssh-ed25519")
            path.write_bytes(key.export_private_key())
            path.chmod(0o600)
        host_key = path.read_text()
    server = SftpServer(
        arguments.root,
        username=arguments.user,
        password=password,
        authorized_key=authorized,
        host=arguments.host,
        port=arguments.port,
        folders=[name for name in arguments.folders.split(",") if name],
        host_key=host_key,
    ).start()
    sys.stdout.write(
        f"SFTP server on {server.host}:{server.port}, root {server.root}\n"
        f"host key fingerprint: {server.host_key_fingerprint}\n"
    )
    sys.stdout.flush()
    stopped = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopped.set())
    while not stopped.wait(1):
        pass
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
