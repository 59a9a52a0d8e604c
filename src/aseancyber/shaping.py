"""Response shaping: a read schema filled from a record's attributes of the same names.

A REST or export view of a record is mostly its columns under the same names; writing
each ``name=record.name`` again for every schema is how the copies drifted apart.
"""

from typing import Any, TypeVar

from pydantic import BaseModel

SchemaT = TypeVar("SchemaT", bound=BaseModel)


def shaped(schema: type[SchemaT], record: object, **values: Any) -> SchemaT:
    """``schema`` validated from ``record``'s attributes named like its fields; ``values``
    give the fields the record does not hold, or holds differently."""
    found = {
        name: getattr(record, name)
        for name in schema.model_fields
        if name not in values and hasattr(record, name)
    }
    return schema.model_validate({**found, **values})
