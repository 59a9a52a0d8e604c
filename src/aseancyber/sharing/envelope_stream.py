"""Reading a TAXII envelope or STIX bundle incrementally: one object at a time.

The request body arrives as chunks; :func:`iter_objects` yields the members of the
top-level ``objects`` array as they complete, so memory holds one buffer (and the object
being decoded), never the whole request. Each object is decoded with the standard
library's C scanner (``raw_decode``). When an object is cut by a chunk boundary, the
reader waits for at least as many bytes again as it already holds before retrying, so a
large object costs a bounded number of re-decodes rather than one per chunk.

A body of at most :data:`WHOLE_BODY_BYTES` (a TAXII client's usual envelope) is first
decoded whole by msgspec's decoder, several times faster than the object-by-object reader;
it gives the same values (integers exactly, however long), and any body it refuses (bad
JSON, ``NaN``, numbers past a double, lone surrogates, nesting past its limit) or whose
shape is not a plain envelope is read by the object-by-object reader, so its answer, its
errors and what it refuses are exactly the reader's.
"""

import codecs
import json
import re
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import IO, Any

import msgspec

from aseancyber.errors import Invalid
from aseancyber.sharing.stix import MAX_NESTING, RefusedObject

_DECODER = json.JSONDecoder()
# What skipping a too-deep value looks at: a whole string (group 1 is its closing quote, None
# while the buffer cuts it), or a run of opening or of closing brackets.
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*(")?|[\[{]+|[\]}]+')
# Integers of more digits than any STIX integer: decoded as a stand-in past STIX's range
# (the object is then refused by name), not by ``int``, which refuses thousands of digits.
_LONGEST_INTEGER = 40
_OUT_OF_RANGE = 1 << 64


def _bounded_int(text: str) -> int:
    return int(text) if len(text) <= _LONGEST_INTEGER else _OUT_OF_RANGE


_BOUNDED_DECODER = json.JSONDecoder(parse_int=_bounded_int)
_WHITESPACE = " \t\n\r"
_NUMBER_TAIL = re.compile(r"[0-9eE.+-]*")
NO_OBJECTS = "must be a STIX bundle: a JSON object with an objects list"
# Bodies up to this size are decoded whole first (a few MB of objects in memory at once;
# larger ones are read object by object, holding one buffer).
WHOLE_BODY_BYTES = 2 << 20
_WHOLE_DECODER = msgspec.json.Decoder()
_OBJECTS_KEY = b'"objects"'


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
        decoder = _DECODER
        while True:
            try:
                value, end = decoder.raw_decode(self.text, self.pos)
            except RecursionError:
                return self._skip_deep_value()
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
            except ValueError:
                # An integer of thousands of digits (Python's int refuses them): decode
                # again with a stand-in, so the object is refused by name, not the envelope.
                decoder = _BOUNDED_DECODER
                continue
            if not exhausted and _may_go_on(value, self.text, end):
                exhausted = not self.more()  # e.g. "1" of "1.5e3" cut by a chunk boundary
                continue
            if end - self.pos > self.max_object_bytes:
                raise self._too_large()
            self.pos = end
            return value

    def _skip_deep_value(self) -> RefusedObject:
        """Step over a value nested deeper than the decoder recurses, by its brackets alone
        (strings skipped whole), keeping its top-level ``id``: it is refused by name and the
        objects after it are read as usual."""
        start = self.pos
        scan = start
        depth = 0
        key = identifier = ""
        while True:
            match = _TOKEN.search(self.text, scan)
            if match is None or (match.group(1) is None and match.group().startswith('"')):
                if scan - start > self.max_object_bytes:
                    raise self._too_large()
                shift = self.pos  # more() drops the text before pos: positions move back
                resume = match.start() if match else len(self.text)
                if not self.more(at_least=max(len(self.text) - self.pos, 65536)):
                    raise self.error("the body ends inside a value")
                start, scan = start - shift, resume - shift
                continue
            token = match.group()
            if token[0] == '"':
                if depth == 1 and key == '"id"' and not identifier:
                    identifier = token[1:-1]
                key = token if depth == 1 and self._is_key(match.end()) else ""
            elif token[0] in "[{":
                depth += len(token)
                key = ""
            else:
                if len(token) >= depth:
                    self.pos = match.start() + depth
                    kept = {"id": identifier[:300]} if identifier else {}
                    return RefusedObject(kept, f"nests deeper than {MAX_NESTING} levels")
                depth -= len(token)
                key = ""
            scan = match.end()

    def _is_key(self, end: int) -> bool:
        rest = self.text[end : end + 64].lstrip(_WHITESPACE)
        return rest.startswith(":")

    def _too_large(self) -> "EnvelopeError":
        return EnvelopeError(f"has an object larger than {self.max_object_bytes} bytes", "body")

    def error(self, message: str, pos: int | None = None) -> EnvelopeError:
        where = self.consumed + (self.pos if pos is None else pos)
        return EnvelopeError(f"is not valid JSON: {message} at character {where}", "body")


def iter_objects(
    chunks: Iterable[bytes],
    *,
    max_object_bytes: int = 64 << 20,
    require_objects: bool = False,
    others: dict[str, Any] | None = None,
    whole_body_bytes: int = WHOLE_BODY_BYTES,
) -> Iterator[Any]:
    """The members of the top-level ``objects`` array of an envelope or bundle, in order.

    Other top-level properties (``type``, ``id``, ``more``...) are decoded and dropped, or
    kept in ``others`` when given. A
    body that is not a JSON object, whose ``objects`` is not an array, or that is cut off
    raises :class:`EnvelopeError` when the reader gets there; so does one without an
    ``objects`` property when ``require_objects`` (a bundle file must have one). A body of
    at most ``whole_body_bytes`` is decoded whole first (0: always object by object).
    """
    iterator = iter(chunks)
    # Only a body no larger than one object may be is decoded whole: the reader's limit on
    # one object then holds for each of its objects too.
    small, head = _read_up_to(iterator, min(whole_body_bytes, max_object_bytes))
    if small:
        objects = _decoded_whole(b"".join(head), others)
        if objects is not None:
            yield from objects
            return
    yield from _read_objects(
        chain(head, iterator),
        max_object_bytes=max_object_bytes,
        require_objects=require_objects,
        others=others,
    )


def _read_up_to(chunks: Iterator[bytes], limit: int) -> tuple[bool, list[bytes]]:
    """The first chunks of a body, up to ``limit`` bytes; True when they are all of it."""
    head: list[bytes] = []
    size = 0
    for chunk in chunks:
        head.append(chunk)
        size += len(chunk)
        if size > limit:
            return False, head
    return True, head


def _decoded_whole(raw: bytes, others: dict[str, Any] | None) -> list[Any] | None:
    """The objects of a whole envelope decoded at once, or None when the object-by-object
    reader must answer: the body is not plain JSON to msgspec, not a JSON object with one
    ``objects`` list (the reader yields the members of every ``objects`` key in turn; a
    body naming the key twice, even inside a string, is left to it)."""
    if raw.count(_OBJECTS_KEY) != 1:
        return None
    try:
        document = _WHOLE_DECODER.decode(raw)
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        return None
    if document.__class__ is not dict:
        return None
    objects = document.pop("objects", None)
    if objects.__class__ is not list:
        return None
    if others is not None:
        others.update(document)
    return objects


def _read_objects(
    chunks: Iterable[bytes],
    *,
    max_object_bytes: int,
    require_objects: bool,
    others: dict[str, Any] | None,
) -> Iterator[Any]:
    """:func:`iter_objects` object by object: one read buffer and one object in memory."""
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
        elif others is not None:
            others[key] = reader.value()
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


def decode_document(raw: bytes) -> Any:
    """One whole JSON document (a peer's envelope) decoded as :func:`iter_objects` decodes
    each object: integers exactly (longer ones as a stand-in past STIX's range), ``NaN``
    and ``Infinity`` as floats, an object nested too deeply as a refused stand-in, so
    :func:`~aseancyber.sharing.stix.check_object` refuses the one object that holds them
    rather than the reader refusing the whole document."""
    try:
        text = raw.decode()
    except UnicodeDecodeError:
        raise EnvelopeError("is not UTF-8 text", "body") from None
    try:
        return _BOUNDED_DECODER.decode(text)
    except RecursionError:
        # Some object nests deeper than the decoder recurses: read the envelope object by
        # object instead, which refuses that one object and keeps the others.
        members: dict[str, Any] = {}
        objects = list(iter_objects([raw], others=members))
        return {**members, "objects": objects}
    except json.JSONDecodeError as problem:
        raise EnvelopeError(
            f"is not valid JSON: {problem.msg} at character {problem.pos}", "body"
        ) from None


def _expect_end(reader: _Reader) -> None:
    if reader.peek() != "":
        raise reader.error("unexpected text after the envelope")


def file_chunks(file: IO[bytes], size: int = 1 << 16) -> Iterator[bytes]:
    """An uploaded file or request body (already spooled) read ``size`` bytes at a time."""
    while chunk := file.read(size):
        yield chunk
