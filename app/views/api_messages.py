"""marshmallow's English messages, declared so the catalog carries their Chinese.

`translate_messages()` in views/base.py looks each reported message up."""
from flask_babel import lazy_gettext as _l

MESSAGES = [
    _l("Missing data for required field."),
    _l("Field may not be null."),
    _l("Invalid value."),
    _l("Not a valid integer."),
    _l("Not a valid string."),
    _l("Not a valid boolean."),
    _l("Not a valid date."),
    _l("Not a valid datetime."),
    _l("Not a valid number."),
    _l("Not a valid list."),
    _l("Unknown field."),
    _l("Invalid input type."),
    _l("Length must be between {min} and {max}."),
    _l("Longer than maximum length {max}."),
    _l("Related object not found."),
    _l("Not a valid choice."),
]
