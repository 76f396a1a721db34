# Copyright 2026 Account Receivable Gateway contributors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Client of a partner's SFTP drop folder, with paramiko.

No standard governs SFTP drops. This client follows what most EDI providers
expect:

* publishing is atomic: the content goes to ``<name>.part``, its size is
  checked, and only then is it renamed to its final name (``posix-rename``
  when the server offers it, a plain rename otherwise), so the partner's
  robot never picks up half a file;
* the file name is the idempotency key: uploading a name the partner already
  has (waiting, or moved to its done or error folder) returns a receipt when
  the content is the same and is refused when it differs, so a retry never
  makes a second invoice;
* acknowledgements are files: ``<name>.ack`` or ``<name>.error`` in an ack
  folder, or the file itself moved to a done or an error folder.

The server is trusted by the SHA256 fingerprint of its host key, checked
before any credential is sent; without a pinned fingerprint the client
refuses to log in and says which fingerprint it saw.

Errors are typed (:mod:`..errors`): network failures and timeouts give a
:class:`TransientError`, or an :class:`OutcomeUnknownError` when the
connection died while the rename that publishes a file was under way; a
refused login, a host key that does not match, a missing folder or a denied
permission give a :class:`PermanentError` naming the setting to fix.
Messages never hold a secret and no file content is logged.
"""

import base64
import errno
import hashlib
import io
import logging
import posixpath
import socket
import stat
from contextlib import contextmanager
from dataclasses import KW_ONLY, dataclass, field
from datetime import datetime, timezone
from string import Formatter

import paramiko
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from paramiko.sftp import (
    CMD_INIT,
    CMD_VERSION,
    SFTP_EOF,
    SFTP_NO_SUCH_FILE,
    SFTP_OK,
    SFTP_OP_UNSUPPORTED,
    SFTP_PERMISSION_DENIED,
    SFTPError,
)

from ..errors import (
    ConnectorError,
    OutcomeUnknownError,
    PermanentError,
    TransientError,
)

_logger = logging.getLogger(__name__)

PART_SUFFIX = ".part"
POSIX_RENAME = "posix-rename@openssh.com"
DONE, ERROR, PENDING = "done", "error", "pending"
# An error report longer than this is cut: it becomes a message to a user.
REASON_MAX_BYTES = 64 * 1024
NAME_MAX_LENGTH = 255
# Placeholders filename_template may use: all derived from the caller's file
# name, so the remote name is the same on every retry.
TEMPLATE_FIELDS = ("name", "stem", "ext")


class HostKeyError(PermanentError):
    """The server's host key is not the pinned one, or none is pinned.

    :attr seen_fingerprint: what the server presented (``SHA256:...``), to
        show to the user, who confirms it with the partner before pinning it.
    """

    def __init__(self, message, *, seen_fingerprint):
        super().__init__(message, details={"seen_fingerprint": seen_fingerprint})
        self.seen_fingerprint = seen_fingerprint


@dataclass(frozen=True)
class SftpSettings:
    """Where and how to reach a partner's SFTP drop.

    Folders are paths on the server, absolute or relative to the login
    folder. ``filename_template`` turns the caller's file name into the name
    written on the server (``{name}``, ``{stem}`` and ``{ext}`` of the
    caller's name, e.g. ``"ACME_{name}"``); the ack templates give the names
    of the ack files from the name on the server (``{name}``).
    """

    host: str
    port: int
    username: str
    _: KW_ONLY
    password: str | None = field(default=None, repr=False)
    private_key: str | None = field(default=None, repr=False)  # PEM/OpenSSH text
    private_key_passphrase: str | None = field(default=None, repr=False)
    # As `ssh-keygen -l` prints it: SHA256:<base64>. Required to connect.
    host_key_fingerprint: str | None = None
    upload_dir: str
    ack_dir: str | None = None
    done_dir: str | None = None
    error_dir: str | None = None
    filename_template: str = "{name}"
    ack_done_template: str = "{name}.ack"
    ack_error_template: str = "{name}.error"
    timeout: float = 30  # seconds, for connecting and for each server answer

    def remote_name(self, filename):
        """The name ``filename`` gets on the server, through the template."""
        _check_name(filename, "The file name")
        stem, dot, ext = filename.rpartition(".")
        if not dot:
            stem, ext = filename, ""
        name = _format(
            self.filename_template,
            "filename_template",
            name=filename,
            stem=stem,
            ext=ext,
        )
        _check_name(name, "The name made by filename_template")
        if name.endswith(PART_SUFFIX):
            raise PermanentError(
                f"The file name {name!r} ends with {PART_SUFFIX}, which marks "
                "unfinished uploads: check filename_template."
            )
        return name

    def ack_names(self, name):
        """The names of the done and error ack files of ``name``."""
        return (
            _format(self.ack_done_template, "ack_done_template", name=name),
            _format(self.ack_error_template, "ack_error_template", name=name),
        )


@dataclass(frozen=True)
class UploadReceipt:
    path: str  # where the file is on the server now
    size: int
    sha256: str  # hex digest of the content
    # True when the server already had this very file (an earlier attempt
    # went through): nothing was written this time.
    reused: bool = False


@dataclass(frozen=True)
class Presence:
    """Where a file stands on the server."""

    filename: str  # the caller's file name
    state: str  # pending (still in upload_dir), done, or error
    path: str
    size: int
    modified_at: datetime | None  # aware, UTC
    sha256: str | None = None  # only when asked for


@dataclass(frozen=True)
class Ack:
    """The partner's answer about one file."""

    filename: str  # the caller's file name
    status: str  # done or error
    reason: str  # the partner's report for an error; empty when done
    # When the ack file was written (its modification time). A file moved
    # to done_dir/error_dir without a report keeps its own modification
    # time through the move, so there it may be the upload time.
    at: datetime | None  # aware, UTC
    path: str = ""  # the file the answer was read from


def fingerprint(key):
    """OpenSSH's SHA256 fingerprint of a paramiko public key."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")


def normalize_fingerprint(text):
    """``SHA256:<base64>`` from what a user pasted, None when empty.

    Accepts the bare fingerprint or a whole ``ssh-keygen -l`` line
    (``256 SHA256:... comment (ED25519)``).
    """
    if not text or not text.strip():
        return None
    for token in text.split():
        if token.upper().startswith("SHA256:"):
            value = token[len("SHA256:") :].rstrip("=")
            try:
                decoded = base64.b64decode(value + "=" * (-len(value) % 4))
            except ValueError:
                decoded = b""
            if len(decoded) == 32:
                return "SHA256:" + value
    raise PermanentError(
        "host_key_fingerprint must be the SHA256 fingerprint of the server's "
        "host key, as `ssh-keygen -l -f key.pub` prints it (SHA256:...)."
    )


def fetch_host_key_fingerprint(host, port, timeout=30):
    """The fingerprint the server at ``host:port`` presents, without logging in.

    To show a user who then confirms it with the partner: pinning what a
    server presents without checking it defeats the pinning.
    """
    sock = _open_socket(host, port, timeout)
    transport = paramiko.Transport(sock)
    try:
        _negotiate(transport, host, port, timeout)
        return fingerprint(transport.get_remote_server_key())
    finally:
        transport.close()


def _check_name(name, what):
    if (
        not name
        or name in (".", "..")
        or any(char in name for char in "/\\\0")
        or len(name) > NAME_MAX_LENGTH
    ):
        raise PermanentError(
            f"{what} {name!r} is not a valid file name: it must be one name, "
            f"without / or \\, of at most {NAME_MAX_LENGTH} characters."
        )


def _format(template, setting, **values):
    try:
        fields = {item[1] for item in Formatter().parse(template) if item[1]}
        unknown = fields - set(values)
        if unknown:
            raise KeyError(sorted(unknown)[0])
        return template.format(**values)
    except (KeyError, IndexError, ValueError) as error:
        raise PermanentError(
            f"{setting} {template!r} is not a valid template ({error}): it may "
            f"only use {', '.join('{' + key + '}' for key in values)}."
        ) from None


def _join(folder, name):
    return posixpath.join(folder, name) if folder else name


def _moment(attributes):
    mtime = getattr(attributes, "st_mtime", None)
    return datetime.fromtimestamp(mtime, timezone.utc) if mtime else None


def _describe(error):
    if isinstance(error, TimeoutError):
        return "no answer in time"
    return str(error).strip().rstrip(":.").strip() or type(error).__name__


def _open_socket(host, port, timeout):
    where = f"{host}:{port}"
    try:
        return socket.create_connection((host, port), timeout=timeout)
    except socket.gaierror:
        raise TransientError(
            f"The SFTP server name {host!r} could not be resolved: check host."
        ) from None
    except TimeoutError:
        raise TransientError(
            f"The SFTP server {where} did not answer within {timeout} s."
        ) from None
    except OSError as error:
        raise TransientError(
            f"Could not connect to the SFTP server {where}: "
            f"{error.strerror or error}. Check host and port if this lasts."
        ) from None


def _negotiate(transport, host, port, timeout):
    transport.banner_timeout = timeout
    transport.handshake_timeout = timeout
    transport.auth_timeout = timeout
    try:
        transport.start_client(timeout=timeout)
    except (paramiko.SSHException, EOFError, OSError) as error:
        transport.close()
        raise TransientError(
            f"The SSH handshake with {host}:{port} failed ({_describe(error)}): "
            "check host and port if this lasts."
        ) from None


def load_private_key(text, passphrase=None):
    """A paramiko key from PEM or OpenSSH private key text.

    :raises PermanentError: when it cannot be read, naming the setting.
    """
    data = text.strip().encode("utf-8") + b"\n"
    password = passphrase.encode("utf-8") if passphrase else None
    try:
        try:
            loaded = serialization.load_ssh_private_key(data, password=password)
        except ValueError as openssh_error:
            if b"OPENSSH PRIVATE KEY" in data:
                raise openssh_error
            loaded = serialization.load_pem_private_key(data, password=password)
    except TypeError:
        # cryptography: encrypted key without passphrase, or the reverse
        what = "is encrypted: set" if not password else "is not encrypted: clear"
        raise PermanentError(
            f"The private key {what} private_key_passphrase."
        ) from None
    except ValueError:
        raise PermanentError(
            "The private key could not be read: check private_key (PEM or "
            "OpenSSH text) and private_key_passphrase."
        ) from None
    except Exception as error:  # noqa: BLE001 - unsupported algorithms
        raise PermanentError(
            f"The private key could not be used ({type(error).__name__}): "
            "check private_key; RSA, ECDSA and Ed25519 keys are supported."
        ) from None
    if isinstance(loaded, rsa.RSAPrivateKey):
        return paramiko.RSAKey(key=loaded)
    if isinstance(loaded, ec.EllipticCurvePrivateKey):
        return paramiko.ECDSAKey(vals=(loaded, loaded.public_key()))
    if isinstance(loaded, ed25519.Ed25519PrivateKey):
        return _ed25519_key(loaded)
    raise PermanentError(
        "The private key's algorithm is not supported: check private_key; "
        "RSA, ECDSA and Ed25519 keys are."
    )


def _ed25519_key(loaded):
    # paramiko's Ed25519Key only reads the OpenSSH format: give it that.
    text = loaded.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode("ascii")
    return paramiko.Ed25519Key.from_private_key(io.StringIO(text))


class SftpStatusError(OSError):
    """The SFTP server answered a request with an error status."""

    ERRNO = {SFTP_NO_SUCH_FILE: errno.ENOENT, SFTP_PERMISSION_DENIED: errno.EACCES}

    def __init__(self, code, text):
        if code in self.ERRNO:
            super().__init__(self.ERRNO[code], text)
        else:
            super().__init__(text)
        self.code = code
        self.text = text


class _SFTPClient(paramiko.SFTPClient):
    """paramiko's SFTP client, keeping the extensions the server announces
    and the exact status code of a refusal (paramiko folds several codes into
    a bare IOError, and an unsupported request must be told apart)."""

    extensions = None

    def _send_version(self):
        message = paramiko.Message()
        message.add_int(3)
        self._send_packet(CMD_INIT, message)
        kind, data = self._read_packet()
        if kind != CMD_VERSION:
            raise SFTPError("Incompatible sftp protocol")
        self.extensions = _parse_extensions(data)
        return int.from_bytes(data[:4], "big")

    def _convert_status(self, msg):
        position = msg.packet.tell()
        code = msg.get_int()
        if code in (SFTP_OK, SFTP_EOF):
            msg.packet.seek(position)
            return super()._convert_status(msg)
        try:
            text = msg.get_text()
        except Exception:  # noqa: BLE001 - a status without its text
            text = ""
        raise SftpStatusError(code, text or f"SFTP status {code}")


def _parse_extensions(data):
    """``{name: value}`` of the extension pairs after the version number."""
    extensions, offset = {}, 4
    while offset + 4 <= len(data):
        strings = []
        for _ in range(2):
            size = int.from_bytes(data[offset : offset + 4], "big")
            strings.append(data[offset + 4 : offset + 4 + size])
            offset += 4 + size
        if offset > len(data):
            break
        extensions[strings[0].decode("utf-8", "replace")] = strings[1]
    return extensions


_TRANSPORT_ERRORS = (paramiko.SSHException, EOFError, OSError)


class SftpClient:
    """One SSH connection to the partner's server, for several operations.

    Use it as a context manager; a method called outside ``with`` opens and
    closes a connection of its own. A connection broken by a transport error
    is reopened by the next call. Not thread-safe: one client per job.
    """

    def __init__(self, settings):
        self.settings = settings
        self.host_key_fingerprint = None  # what the server presented
        self._transport = None
        self._sftp = None
        self._entered = False

    def __enter__(self):
        self.connect()
        self._entered = True
        return self

    def __exit__(self, *exc_info):
        self._entered = False
        self.close()

    def __repr__(self):
        settings = self.settings
        return f"<SftpClient {settings.username}@{settings.host}:{settings.port}>"

    # --- Connection -----------------------------------------------------

    @property
    def _where(self):
        return f"{self.settings.host}:{self.settings.port}"

    def connect(self):
        """Open the connection, if not open yet."""
        if self._sftp is None:
            self._open()

    def close(self):
        if self._sftp is not None:
            try:
                self._sftp.close()
            except Exception:  # noqa: BLE001 - closing a dead session
                _logger.debug("Closing the SFTP session failed", exc_info=True)
        if self._transport is not None:
            self._transport.close()
        self._sftp = self._transport = None

    def _open(self):
        settings = self.settings
        if not 0 < int(settings.port) < 65536:
            raise PermanentError(f"port {settings.port} is not a TCP port.")
        expected = normalize_fingerprint(settings.host_key_fingerprint)
        if not (settings.password or settings.private_key):
            raise PermanentError(
                "The SFTP login needs a password or a private_key: set one."
            )
        sock = _open_socket(settings.host, settings.port, settings.timeout)
        transport = paramiko.Transport(sock)
        _negotiate(transport, settings.host, settings.port, settings.timeout)
        try:
            seen = fingerprint(transport.get_remote_server_key())
            self.host_key_fingerprint = seen
            self._check_host_key(expected, seen)
            self._authenticate(transport)
            sftp = _SFTPClient.from_transport(transport)
            if sftp is None:
                raise paramiko.SSHException("the SFTP subsystem could not start")
            sftp.get_channel().settimeout(settings.timeout)
        except ConnectorError:
            transport.close()
            raise
        except _TRANSPORT_ERRORS as error:
            transport.close()
            raise TransientError(
                f"The SFTP session with {self._where} could not start: "
                f"{_describe(error)}."
            ) from None
        self._transport, self._sftp = transport, sftp
        _logger.debug("SFTP connection to %s opened", self._where)

    def _check_host_key(self, expected, seen):
        if expected is None:
            raise HostKeyError(
                f"The SFTP server {self._where} is not trusted yet: set "
                f"host_key_fingerprint. The server presents {seen}; confirm it "
                "with the partner before trusting it.",
                seen_fingerprint=seen,
            )
        if seen != expected:
            raise HostKeyError(
                f"The SFTP server {self._where} presents the host key {seen}, "
                f"not the one set in host_key_fingerprint ({expected}). Nothing "
                "was sent. If the partner really changed its key, confirm the "
                "new fingerprint with them and update host_key_fingerprint.",
                seen_fingerprint=seen,
            )

    def _authenticate(self, transport):
        settings = self.settings
        user = settings.username
        if settings.private_key:
            key = load_private_key(
                settings.private_key, settings.private_key_passphrase
            )
            try:
                transport.auth_publickey(user, key)
            except paramiko.AuthenticationException:
                if not settings.password:
                    raise PermanentError(
                        f"The SFTP server refused the private key for user "
                        f"{user!r}: check username and private_key (its public "
                        "key must be authorized on the server)."
                    ) from None
        if settings.password and not transport.is_authenticated():
            try:
                transport.auth_password(user, settings.password)
            except paramiko.BadAuthenticationType:
                raise PermanentError(
                    f"The SFTP server does not accept a password for user "
                    f"{user!r}: set private_key."
                ) from None
            except paramiko.AuthenticationException:
                raise PermanentError(
                    f"The SFTP server refused the login of user {user!r}: check "
                    "username and password."
                ) from None
        if not transport.is_authenticated():
            raise PermanentError(
                f"The SFTP server asks user {user!r} for more authentication "
                "steps than a password or a key, which is not supported."
            )

    @contextmanager
    def _connected(self):
        self.connect()
        try:
            yield self._sftp
        finally:
            if not self._entered:
                self.close()

    @contextmanager
    def _guard(self, doing, *, folder, setting, uncertain=False):
        """Turn what goes wrong while ``doing`` into connector errors.

        :param folder: the folder concerned, named with ``setting`` in
            messages about a refusal.
        :param uncertain: the request may have changed something on the
            server although no answer came back.
        """
        try:
            yield
        except SftpStatusError as error:
            raise self._refusal(error, doing, folder, setting) from None
        except ConnectorError:
            raise
        except _TRANSPORT_ERRORS as error:
            self.close()
            kind = OutcomeUnknownError if uncertain else TransientError
            outcome = (
                " The file may have been published: look it up before sending again."
                if uncertain
                else ""
            )
            raise kind(
                f"The connection to the SFTP server {self._where} failed while "
                f"{doing}: {_describe(error)}.{outcome}"
            ) from None

    def _refusal(self, error, doing, folder, setting):
        shown = folder or "the login folder"
        details = f"SFTP status {error.code}: {error.text}"
        if error.code == SFTP_NO_SUCH_FILE:
            return PermanentError(
                f"The SFTP server has no folder {shown!r} (while {doing}): "
                f"check {setting}.",
                details=details,
            )
        if error.code == SFTP_PERMISSION_DENIED:
            return PermanentError(
                f"The SFTP server denied {doing} in {shown!r}: check {setting} "
                f"and the rights of user {self.settings.username!r} there.",
                details=details,
            )
        if error.code == SFTP_OP_UNSUPPORTED:
            return PermanentError(
                f"The SFTP server does not support {doing}.", details=details
            )
        return TransientError(
            f"The SFTP server failed {doing} in {shown!r}: {error.text}",
            details=details,
        )

    # --- Helpers on an open session ---------------------------------------

    def _stat(self, sftp, path, folder, setting):
        """The attributes of ``path``, None when it does not exist."""
        with self._guard(f"looking for {path}", folder=folder, setting=setting):
            try:
                return sftp.stat(path)
            except SftpStatusError as error:
                if error.code != SFTP_NO_SUCH_FILE:
                    raise
                return None

    def _require_folder(self, sftp, folder, setting):
        attributes = self._stat(sftp, folder or ".", folder, setting)
        if attributes is None or not stat.S_ISDIR(attributes.st_mode or 0):
            raise PermanentError(
                f"The SFTP server has no folder {folder!r}: check {setting}."
            )

    def _read(self, sftp, path, folder, setting, limit=None):
        with self._guard(f"reading {path}", folder=folder, setting=setting):
            with sftp.open(path, "rb") as remote:
                if limit is None:
                    remote.prefetch()
                return remote.read(limit) if limit else remote.read()

    def _listing(self, sftp, folder, setting):
        with self._guard(f"listing {folder}", folder=folder, setting=setting):
            return {entry.filename: entry for entry in sftp.listdir_attr(folder or ".")}

    def _folders(self):
        """The folders where a published file may be, as (state, folder, setting)."""
        settings = self.settings
        folders = [
            (DONE, settings.done_dir, "done_dir"),
            (ERROR, settings.error_dir, "error_dir"),
            (PENDING, settings.upload_dir, "upload_dir"),
        ]
        return [item for item in folders if item[1] is not None]

    # --- Operations ---------------------------------------------------------

    def check(self):
        """Log in and check that every configured folder exists.

        :returns: the host key fingerprint the server presented.
        """
        settings = self.settings
        with self._connected() as sftp:
            for folder, setting in (
                (settings.upload_dir, "upload_dir"),
                (settings.ack_dir, "ack_dir"),
                (settings.done_dir, "done_dir"),
                (settings.error_dir, "error_dir"),
            ):
                if folder is not None:
                    self._require_folder(sftp, folder, setting)
        return self.host_key_fingerprint

    def upload(self, filename, content):
        """Publish ``content`` as ``filename`` in upload_dir, atomically.

        :returns: an :class:`UploadReceipt`; ``reused`` when the server
            already had this content under this name (still pending or moved
            to done_dir/error_dir), in which case nothing is written.
        :raises PermanentError: the name is taken by a different content.
        :raises OutcomeUnknownError: the connection died while the file was
            being renamed to its final name; :meth:`find` tells whether it was.
        """
        settings = self.settings
        name = settings.remote_name(filename)
        content = bytes(content)
        size, digest = len(content), hashlib.sha256(content).hexdigest()
        final = _join(settings.upload_dir, name)
        part = final + PART_SUFFIX
        with self._connected() as sftp:
            for _state, folder, setting in self._folders():
                path = _join(folder, name)
                attributes = self._stat(sftp, path, folder, setting)
                if attributes is not None:
                    return self._same_file(sftp, path, folder, setting, content)
            self._write_part(sftp, part, content)
            published = self._rename(sftp, part, final)
            if not published:  # the same name appeared meanwhile
                try:
                    return self._same_file(
                        sftp, final, settings.upload_dir, "upload_dir", content
                    )
                finally:
                    self._remove_quietly(sftp, part)
        _logger.info(
            "SFTP upload of %s (%d bytes) to %s done", final, size, self._where
        )
        return UploadReceipt(path=final, size=size, sha256=digest)

    def _write_part(self, sftp, part, content):
        folder = self.settings.upload_dir
        with self._guard(f"writing {part}", folder=folder, setting="upload_dir"):
            # "wb" truncates what an interrupted attempt left behind.
            sftp.putfo(io.BytesIO(content), part, file_size=len(content), confirm=False)
            written = sftp.stat(part).st_size
        if written != len(content):
            self._remove_quietly(sftp, part)
            raise TransientError(
                f"The SFTP server kept {written} bytes of {len(content)} for "
                f"{part}; nothing was published."
            )

    def _rename(self, sftp, part, final):
        """Rename ``part`` to ``final``; False when ``final`` already exists."""
        folder = self.settings.upload_dir
        doing = f"renaming {part} to its final name"
        with self._guard(doing, folder=folder, setting="upload_dir", uncertain=True):
            if (sftp.extensions or {}).get(POSIX_RENAME) is not None:
                try:
                    sftp.posix_rename(part, final)
                    return True
                except SftpStatusError as error:
                    if error.code != SFTP_OP_UNSUPPORTED:
                        raise
                    _logger.debug("%s refuses posix-rename; renaming", self._where)
            try:
                # A plain SFTP rename refuses to replace an existing file.
                sftp.rename(part, final)
                return True
            except SftpStatusError as error:
                if error.code == SFTP_NO_SUCH_FILE:
                    raise TransientError(
                        f"{part} disappeared from the SFTP server before its "
                        "rename; nothing was published."
                    ) from None
                if self._stat(sftp, final, folder, "upload_dir") is None:
                    raise
                return False

    def _same_file(self, sftp, path, folder, setting, content):
        """A receipt for ``path`` if it holds ``content``, else a refusal."""
        attributes = self._stat(sftp, path, folder, setting)
        same = attributes is not None and attributes.st_size == len(content)
        if same:
            try:
                same = self._read(sftp, path, folder, setting) == content
            except PermanentError:
                raise PermanentError(
                    f"{path} is already on the SFTP server but cannot be read "
                    "back to compare it with this file; check with the partner "
                    "whether it is the same document before sending it again."
                ) from None
        if not same:
            raise PermanentError(
                f"{path} is already on the SFTP server with a different content: "
                "a file name must never be reused for another document."
            )
        _logger.info("SFTP: %s was already on %s; not sent again", path, self._where)
        return UploadReceipt(
            path=path,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            reused=True,
        )

    def _remove_quietly(self, sftp, path):
        try:
            sftp.remove(path)
        except Exception:  # noqa: BLE001 - a leftover .part is overwritten later
            _logger.debug("Could not remove %s", path, exc_info=True)

    def find(self, filename, *, checksum=False):
        """Where ``filename`` stands on the server, None when nowhere.

        Looks in done_dir, error_dir, then upload_dir (pending). A leftover
        ``.part`` alone means nothing was published: None. Every folder
        looked into must exist, so that a wrong setting is not taken for an
        absent file (and the file sent twice).

        :param checksum: also read the file to give its sha256.
        """
        name = self.settings.remote_name(filename)
        with self._connected() as sftp:
            for state, folder, setting in self._folders():
                path = _join(folder, name)
                attributes = self._stat(sftp, path, folder, setting)
                if attributes is None:
                    self._require_folder(sftp, folder, setting)
                    continue
                digest = None
                if checksum:
                    data = self._read(sftp, path, folder, setting)
                    digest = hashlib.sha256(data).hexdigest()
                return Presence(
                    filename=filename,
                    state=state,
                    path=path,
                    size=attributes.st_size,
                    modified_at=_moment(attributes),
                    sha256=digest,
                )
        return None

    def read_acks(self, filenames):
        """The partner's acknowledgements of ``filenames``.

        In ack_dir: ``<name>.error`` (rejected, its text is the reason) or
        ``<name>.ack`` (accepted); or the file moved to error_dir (with an
        optional ``<name>.error`` report beside it, or in ack_dir) or to
        done_dir. A rejection wins over an acceptance. Each folder is listed
        once, however many files are asked about.

        :returns: ``{filename: Ack}``; files not acknowledged yet are absent.
        """
        settings = self.settings
        names = {filename: settings.remote_name(filename) for filename in filenames}
        if not names:
            return {}
        folders = {
            setting: folder
            for setting, folder in (
                ("ack_dir", settings.ack_dir),
                ("done_dir", settings.done_dir),
                ("error_dir", settings.error_dir),
            )
            if folder is not None
        }
        acks = {}
        with self._connected() as sftp:
            listings = {
                setting: self._listing(sftp, folder, setting)
                for setting, folder in folders.items()
            }
            for filename, name in names.items():
                ack = self._ack(sftp, filename, name, folders, listings)
                if ack is not None:
                    acks[filename] = ack
        return acks

    def _ack(self, sftp, filename, name, folders, listings):
        done_name, error_name = self.settings.ack_names(name)
        acked = listings.get("ack_dir", {})
        done = listings.get("done_dir", {})
        errors = listings.get("error_dir", {})
        if name in errors:
            for setting, listing, report in (
                ("error_dir", errors, error_name),
                ("ack_dir", acked, error_name),
            ):
                if report in listing:
                    return self._error_ack(
                        sftp, filename, folders[setting], setting, listing[report]
                    )
            return Ack(
                filename=filename,
                status=ERROR,
                reason="",
                at=_moment(errors[name]),
                path=_join(folders["error_dir"], name),
            )
        if error_name in acked:
            return self._error_ack(
                sftp, filename, folders["ack_dir"], "ack_dir", acked[error_name]
            )
        for setting, listing, entry in (
            ("done_dir", done, name),
            ("ack_dir", acked, done_name),
        ):
            if entry in listing:
                return Ack(
                    filename=filename,
                    status=DONE,
                    reason="",
                    at=_moment(listing[entry]),
                    path=_join(folders[setting], entry),
                )
        return None

    def _error_ack(self, sftp, filename, folder, setting, entry):
        path = _join(folder, entry.filename)
        data = self._read(sftp, path, folder, setting, limit=REASON_MAX_BYTES)
        return Ack(
            filename=filename,
            status=ERROR,
            reason=data.decode("utf-8", "replace").strip(),
            at=_moment(entry),
            path=path,
        )
