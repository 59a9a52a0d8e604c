"""Reading a TAXII envelope or STIX bundle incrementally: one object at a time.

The request body arrives as chunks; :func:`iter_objects` yields the members of the
top-level ``objects`` array as they complete, so memory holds one buffer (and the object
being decoded), never the whole request. Each object is decoded with the standard
library's C scanner (``raw_decode``). When an object is cut by a chunk boundary, the
reader waits for at least as many bytes again as it already holds before retrying, so a
large object costs a bounded number of re-decodes rather than one per chunk.
"""

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from typing import IO, Any

from aseancyber.errors import Invalid

_DECODER = json.JSONDecoder()
_WHITESPACE = " \t\n\r"
_NUMBER_TAIL = re.compile(r"[0-9eE.+-]*")
NO_OBJECTS = "must be a STIX bundle: a JSON object with an objects list"


def _may_go_on(value: Any, text: str, end: int) -> bool:
    """Whether a decoded number may be the start of a longer one in the next chunk: only
    number characters follow it in the buffer (no delimiter seen yet)."""
    if value.__class__ is not int and value.__class__ is not float:
        return False  # objects, strings, booleans and null end where the decoder says
    tail = _NUMBER_TAIL.match(text, end)
    return tail is not None and tail.end() == len(text)


class EnvelopeError(Invalid):
    """The body is not a well-formed envelope; ``detail`` says where and why."""


class _Reader:
    """A text buffer over byte chunks with a read position; consumed text is dropped."""

    def __init__(self, chunks: Iterable[bytes], max_object_bytes: int) -> None:
        self._chunks = iter(chunks)
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self.text = ""
        self.pos = 0
        self.consumed = 0  # characters dropped before ``text`` (for error positions)
        self.ended = False
        self.max_object_bytes = max_object_bytes

    def more(self, at_least: int = 1) -> bool:
        """Append at least ``at_least`` characters (or what is left); False at the end."""
        if self.ended:
            return False
        if self.pos:
            # Drop the consumed text so the buffer never holds more than the pending part.
            self.consumed += self.pos
            self.text = self.text[self.pos :]
            self.pos = 0
        added = 0
        parts = [self.text]
        while added < at_least:
            chunk = next(self._chunks, None)
            if chunk is None:
                parts.append(self._decoder_final())
                self.ended = True
                break
            piece = self._decode(chunk)
            parts.append(piece)
            added += len(piece)
        self.text = "".join(parts)
        return added > 0 or not self.ended

    def _decode(self, chunk: bytes) -> str:
        try:
            return self._decoder.decode(chunk)
        except UnicodeDecodeError:
            raise EnvelopeError("is not UTF-8 text", "body") from None

    def _decoder_final(self) -> str:
        try:
            return self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise EnvelopeError("is not UTF-8 text", "body") from None

    def peek(self) -> str:
        """The next non-blank character (not consumed), or "" at the end of the body."""
        while True:
            while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
                self.pos += 1
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def expect(self, char: str, what: str) -> None:
        if self.peek() != char:
            raise self.error(f"expected {what}")
        self.pos += 1

    def value(self) -> Any:
        """Decode the next JSON value, reading more of the body while it is incomplete."""
        self.peek()
        exhausted = False
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as problem:
                if exhausted:
                    raise self.error(problem.msg, problem.pos) from None
                pending = len(self.text) - self.pos
                if pending > self.max_object_bytes:
                    raise self._too_large() from None
                # Wait for as much again as is pending: a large object is re-decoded a
                # logarithmic number of times, not once per chunk.
                exhausted = not self.more(at_least=max(pending, 65536))
                continue
            if not exhausted and _may_go_on(value, self.text, end):
                exhausted = not self.more()  # e.g. "1" of "1.5e3" cut by a chunk boundary
                continue
            if end - self.pos > self.max_object_bytes:
                raise self._too_large()
            self.pos = end
            return value

    def _too_large(self) -> "EnvelopeError":
        return EnvelopeError(f"has an object larger than {self.max_object_bytes} bytes", "body")

    def error(self, message: str, pos: int | None = None) -> EnvelopeError:
        where = self.consumed + (self.pos if pos is None else pos)
        return EnvelopeError(f"is not valid JSON: {message} at character {where}", "body")


def iter_objects(
    chunks: Iterable[bytes], *, max_object_bytes: int = 64 << 20, require_objects: bool = False
) -> Iterator[Any]:
    """The members of the top-level ``objects`` array of an envelope or bundle, in order.

    Other top-level properties (``type``, ``id``, ``more``...) are decoded and dropped. A
    body that is not a JSON object, whose ``objects`` is not an array, or that is cut off
    raises :class:`EnvelopeError` when the reader gets there; so does one without an
    ``objects`` property when ``require_objects`` (a bundle file must have one).
    """
    reader = _Reader(chunks, max_object_bytes)
    reader.expect("{", "the body to be a JSON object (an envelope or bundle)")
    if reader.peek() == "}":
        reader.pos += 1
        _expect_end(reader)
        if require_objects:
            raise EnvelopeError(NO_OBJECTS, "objects")
        return
    seen_objects = False
    while True:
        key = reader.value()
        if not isinstance(key, str):
            raise reader.error("expected a property name")
        reader.expect(":", "':' after a property name")
        if key == "objects":
            seen_objects = True
            yield from _array(reader)
        else:
            reader.value()
        if reader.peek() == ",":
            reader.pos += 1
            continue
        reader.expect("}", "',' or '}' after a property")
        _expect_end(reader)
        if require_objects and not seen_objects:
            raise EnvelopeError(NO_OBJECTS, "objects")
        return


def _array(reader: _Reader) -> Iterator[Any]:
    if reader.peek() != "[":
        raise EnvelopeError("objects must be a list", "objects")
    reader.pos += 1
    if reader.peek() == "]":
        reader.pos += 1
        return
    while True:
        yield reader.value()
        if reader.peek() == ",":
            reader.pos += 1
            continue
        reader.expect("]", "',' or ']' in the objects list")
        return


def _expect_end(reader: _Reader) -> None:
    if reader.peek() != "":
        raise reader.error("unexpected text after the envelope")


def file_chunks(file: IO[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    """An uploaded file or request body (already spooled) read ``size`` bytes at a time."""
    while chunk := file.read(size):
        yield chunk
