"""A simulator of Dukcapil's "verify by elements" web service (docs/identity.md), served over
real HTTP by ``tests.simulators.base.serve``.

- ``POST <path>`` with JSON ``{"USER_ID", "PASSWORD", "IP_USER", "TRESHOLD", "NIK", "NAMA_LGKP",
  "TGL_LHR"?}`` → ``{"content": [{"NIK": "Sesuai", "NAMA_LGKP": "Sesuai (100)", ...}], ...}``;
  a NIK it does not know → ``{"content": [{"RESPONSE_CODE": "13", "RESPONSE": "Data Tidak
  Ditemukan"}]}``; wrong credentials or IP → ``RESPONSE_CODE`` "05" (not a "not found").
- The name is scored like Dukcapil's fuzzy match (0-100) against ``TRESHOLD``.
- ``fail_next(status)``, ``answer_next(body)`` (raw bytes: malformed answers), ``hang_next()``
  (holds the answer until the returned event is set: the client's timeout fires first).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from difflib import SequenceMatcher
from typing import Any

StartResponse = Callable[..., Any]
PATH = "/dukcapil/get_json/ADUAN/CALL_VERIFY_BY_ELEMEN"


@dataclass
class Person:
    name: str
    birth_date: date


class DukcapilSimulator:
    def __init__(
        self,
        *,
        user_id: str = "aduan-sumbar",
        password: str = "rahasia-dukcapil",
        ip_user: str = "10.13.0.5",
    ) -> None:
        self.user_id = user_id
        self.password = password
        self.ip_user = ip_user
        self.people: dict[str, Person] = {}
        self.received: list[dict[str, Any]] = []
        self._script: list[tuple[str, Any]] = []
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget people, requests and scripted answers (one server serves many tests)."""
        with self._lock:
            self.people.clear()
            self.received.clear()
            self._script.clear()

    def register(self, nik: str, name: str, birth_date: date) -> None:
        self.people[nik] = Person(name.upper(), birth_date)

    def settings_for(self, base_url: str) -> dict[str, Any]:
        """The Django settings that point Aduan at this simulator served at ``base_url``."""
        return {
            "ADUAN_DUKCAPIL_URL": base_url + PATH,
            "ADUAN_DUKCAPIL_USER_ID": self.user_id,
            "ADUAN_DUKCAPIL_PASSWORD": self.password,
            "ADUAN_DUKCAPIL_IP_USER": self.ip_user,
            "ADUAN_DUKCAPIL_NAME_THRESHOLD": 90,
            "ADUAN_DUKCAPIL_TIMEOUT_SECONDS": 5.0,
        }

    def fail_next(self, status: int = 500) -> None:
        with self._lock:
            self._script.append(("status", status))

    def answer_next(self, body: bytes, status: int = 200) -> None:
        with self._lock:
            self._script.append(("body", (status, body)))

    def hang_next(self) -> threading.Event:
        release = threading.Event()
        with self._lock:
            self._script.append(("hang", release))
        return release

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        with self._lock:
            step = self._script.pop(0) if self._script else None
        if step is not None:
            kind, value = step
            if kind == "status":
                return self._send(start_response, value, b'{"message": "Service Unavailable"}')
            if kind == "body":
                return self._send(start_response, value[0], value[1])
            value.wait(10)  # "hang": held until the test releases it (after its timeout)
        if environ.get("PATH_INFO") != PATH:
            return self._send(start_response, 404, b'{"message": "Not Found"}')
        if environ["REQUEST_METHOD"] != "POST":
            return self._send(start_response, 405, b"")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        try:
            payload = json.loads(environ["wsgi.input"].read(length))
        except ValueError:
            return self._content(
                start_response, {"RESPONSE_CODE": "01", "RESPONSE": "Format salah"}
            )
        with self._lock:
            self.received.append(payload)
        if (
            payload.get("USER_ID") != self.user_id
            or payload.get("PASSWORD") != self.password
            or payload.get("IP_USER") != self.ip_user
        ):
            return self._content(
                start_response,
                {"RESPONSE_CODE": "05", "RESPONSE": "User tidak berhak mengakses data"},
            )
        person = self.people.get(str(payload.get("NIK", "")))
        if person is None:
            return self._content(
                start_response, {"RESPONSE_CODE": "13", "RESPONSE": "Data Tidak Ditemukan"}
            )
        threshold = int(payload.get("TRESHOLD") or 90)
        given = " ".join(str(payload.get("NAMA_LGKP", "")).upper().split())
        score = round(SequenceMatcher(None, given, person.name).ratio() * 100)
        element = {
            "NIK": "Sesuai",
            "NAMA_LGKP": f"Sesuai ({score})" if score >= threshold else f"Tidak Sesuai ({score})",
        }
        if payload.get("TGL_LHR"):
            same = payload["TGL_LHR"] == person.birth_date.strftime("%d-%m-%Y")
            element["TGL_LHR"] = "Sesuai" if same else "Tidak Sesuai"
        return self._content(start_response, element)

    def _content(self, start_response: StartResponse, element: dict[str, Any]) -> list[bytes]:
        body = {
            "content": [element],
            "lastPage": True,
            "numberOfElements": 1,
            "sort": None,
            "totalElements": 1,
            "firstPage": True,
            "number": 0,
            "size": 1,
        }
        return self._send(start_response, 200, json.dumps(body).encode())

    def _send(self, start_response: StartResponse, status: int, body: bytes) -> list[bytes]:
        start_response(
            f"{status} {'OK' if status == 200 else 'Error'}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]
