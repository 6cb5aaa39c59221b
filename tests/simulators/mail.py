"""A small IMAP4rev1 server on 127.0.0.1 and a builder of signed inbound-mail webhooks.

``ImapSimulator`` speaks enough of RFC 3501 for imap-tools: CAPABILITY, NOOP, LOGIN, SELECT,
(UID) SEARCH with ALL/UNSEEN/SEEN, UID FETCH of ``BODY[]``/``BODY.PEEK[]``/``RFC822`` with UID,
FLAGS and RFC822.SIZE, UID STORE ±FLAGS, EXPUNGE and LOGOUT. One mailbox ("INBOX"), plain
text (no TLS: point ``ADUAN_IMAP_SECURITY=none`` at it). Use::

    imap = ImapSimulator(user="aduan", password="secret")
    imap.add(raw_rfc822_bytes)
    with imap.serve() as (host, port):
        ...
"""

from __future__ import annotations

import hashlib
import hmac
import re
import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import make_msgid


@dataclass
class StoredMessage:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


def build_email(
    *,
    sender: str = "Siti Rahma <siti@example.org>",
    to: str = "aduan@example.go.id",
    subject: str = "Jalan berlubang di Jl. Sudirman",
    text: str = "Jalan berlubang besar di depan pasar, sudah tiga minggu tidak diperbaiki.",
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="example.org")
    for key, value in (headers or {}).items():
        message[key] = value
    message.set_content(text)
    for name, content_type, content in attachments:
        maintype, subtype = content_type.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=name)
    return message.as_bytes()


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


_ATOM = re.compile(rb'"((?:[^"\\]|\\.)*)"|(\S+)')


def _arguments(text: bytes) -> list[str]:
    return [
        (
            quoted.replace(b'\\"', b'"').replace(b"\\\\", b"\\")
            if quoted is not None or atom is None
            else atom
        ).decode()
        for quoted, atom in ((m.group(1), m.group(2)) for m in _ATOM.finditer(text))
    ]


class ImapSimulator:
    def __init__(self, *, user: str = "aduan", password: str = "secret") -> None:
        self.user = user
        self.password = password
        self.messages: list[StoredMessage] = []
        self.commands: list[str] = []
        self._next_uid = 1
        self._lock = threading.Lock()

    def add(self, raw: bytes, *, seen: bool = False) -> int:
        with self._lock:
            uid = self._next_uid
            self._next_uid += 1
            self.messages.append(StoredMessage(uid, raw, {"\\Seen"} if seen else set()))
        return uid

    def flags_of(self, uid: int) -> set[str]:
        return next(message.flags for message in self.messages if message.uid == uid)

    @contextmanager
    def serve(self) -> Iterator[tuple[str, int]]:
        simulator = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                simulator._session(self)

        class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
            daemon_threads = True
            allow_reuse_address = True

        server = Server(("127.0.0.1", 0), Handler)
        thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        thread.start()
        try:
            yield "127.0.0.1", server.server_address[1]
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    # --- protocol -------------------------------------------------------------------------

    def _session(self, handler: socketserver.StreamRequestHandler) -> None:
        write = handler.wfile.write
        write(b"* OK [CAPABILITY IMAP4rev1] Aduan IMAP simulator ready\r\n")
        state = {"auth": False, "selected": False}
        while True:
            line = handler.rfile.readline()
            if not line:
                return
            line = line.rstrip(b"\r\n")
            tag, _space, rest = line.partition(b" ")
            command, _space, args = rest.partition(b" ")
            name = command.decode().upper()
            self.commands.append(f"{name} {args.decode(errors='replace')}".strip())
            tagged = tag.decode()
            if name == "CAPABILITY":
                write(b"* CAPABILITY IMAP4rev1\r\n")
                write(f"{tagged} OK CAPABILITY completed\r\n".encode())
            elif name == "NOOP":
                write(f"{tagged} OK NOOP completed\r\n".encode())
            elif name == "LOGOUT":
                write(b"* BYE logging out\r\n")
                write(f"{tagged} OK LOGOUT completed\r\n".encode())
                return
            elif name == "LOGIN":
                values = _arguments(args)
                if values == [self.user, self.password]:
                    state["auth"] = True
                    write(f"{tagged} OK LOGIN completed\r\n".encode())
                else:
                    write(f"{tagged} NO [AUTHENTICATIONFAILED] Invalid credentials\r\n".encode())
            elif not state["auth"]:
                write(f"{tagged} BAD not authenticated\r\n".encode())
            elif name in ("SELECT", "EXAMINE"):
                folder = (_arguments(args) or [""])[0]
                if folder.upper() != "INBOX":
                    write(f"{tagged} NO [NONEXISTENT] no such mailbox\r\n".encode())
                    continue
                state["selected"] = True
                with self._lock:
                    count = len(self.messages)
                    next_uid = self._next_uid
                write(f"* {count} EXISTS\r\n* 0 RECENT\r\n".encode())
                write(b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n")
                write(f"* OK [UIDVALIDITY 1] UIDs valid\r\n* OK [UIDNEXT {next_uid}]\r\n".encode())
                write(f"{tagged} OK [READ-WRITE] SELECT completed\r\n".encode())
            elif not state["selected"]:
                write(f"{tagged} BAD no mailbox selected\r\n".encode())
            elif name == "EXPUNGE":
                with self._lock:
                    for position in range(len(self.messages), 0, -1):
                        if "\\Deleted" in self.messages[position - 1].flags:
                            del self.messages[position - 1]
                            write(f"* {position} EXPUNGE\r\n".encode())
                write(f"{tagged} OK EXPUNGE completed\r\n".encode())
            elif name == "UID":
                sub, _space, sub_args = args.partition(b" ")
                self._uid_command(write, tagged, sub.decode().upper(), sub_args)
            else:
                write(f"{tagged} BAD unsupported command\r\n".encode())

    def _uid_set(self, text: str) -> list[StoredMessage]:
        with self._lock:
            messages = list(self.messages)
        highest = max((message.uid for message in messages), default=0)
        wanted: set[int] = set()
        for part in text.split(","):
            if ":" in part:
                low, high = part.split(":")
                low_n = highest if low == "*" else int(low)
                high_n = highest if high == "*" else int(high)
                wanted.update(range(min(low_n, high_n), max(low_n, high_n) + 1))
            elif part:
                wanted.add(highest if part == "*" else int(part))
        return [message for message in messages if message.uid in wanted]

    def _uid_command(self, write: object, tagged: str, sub: str, args: bytes) -> None:
        send = write  # type: ignore[assignment]
        assert callable(send)
        if sub == "SEARCH":
            words = [word.upper().strip("()") for word in _arguments(args)]
            words = [word for word in words if word]
            if words[:1] == ["CHARSET"]:
                words = words[2:]
            with self._lock:
                messages = list(self.messages)
            if words in (["UNSEEN"], ["NOT", "SEEN"]):
                found = [m.uid for m in messages if "\\Seen" not in m.flags]
            elif words == ["SEEN"]:
                found = [m.uid for m in messages if "\\Seen" in m.flags]
            elif words in (["ALL"], []):
                found = [m.uid for m in messages]
            else:
                send(f"{tagged} BAD unsupported search\r\n".encode())
                return
            send(("* SEARCH" + "".join(f" {uid}" for uid in found) + "\r\n").encode())
            send(f"{tagged} OK SEARCH completed\r\n".encode())
        elif sub == "FETCH":
            uid_text, _space, items = args.decode().partition(" ")
            items = items.upper()
            with self._lock:
                positions = {m.uid: index + 1 for index, m in enumerate(self.messages)}
            for message in self._uid_set(uid_text):
                if ("BODY[]" in items or "RFC822" in items.replace("RFC822.SIZE", "")) and (
                    "PEEK" not in items
                ):
                    message.flags.add("\\Seen")
                flags = " ".join(sorted(message.flags))
                head = f"* {positions[message.uid]} FETCH (UID {message.uid} FLAGS ({flags})"
                if "RFC822.SIZE" in items:
                    head += f" RFC822.SIZE {len(message.raw)}"
                if "BODY" in items or re.search(r"RFC822(?!\.)", items):
                    section = "BODY[]" if "BODY" in items else "RFC822"
                    send(
                        f"{head} {section} {{{len(message.raw)}}}\r\n".encode()
                        + message.raw
                        + b")\r\n"
                    )
                else:
                    send(f"{head})\r\n".encode())
            send(f"{tagged} OK FETCH completed\r\n".encode())
        elif sub == "STORE":
            uid_text, _space, rest = args.decode().partition(" ")
            mode, _space, flag_text = rest.partition(" ")
            flags = set(flag_text.strip("()").split())
            with self._lock:
                positions = {m.uid: index + 1 for index, m in enumerate(self.messages)}
            for message in self._uid_set(uid_text):
                if mode.upper().startswith("+"):
                    message.flags |= flags
                elif mode.upper().startswith("-"):
                    message.flags -= flags
                else:
                    message.flags = set(flags)
                if ".SILENT" not in mode.upper():
                    current = " ".join(sorted(message.flags))
                    position = positions[message.uid]
                    send(f"* {position} FETCH (UID {message.uid} FLAGS ({current}))\r\n".encode())
            send(f"{tagged} OK STORE completed\r\n".encode())
        else:
            send(f"{tagged} BAD unsupported UID command\r\n".encode())
