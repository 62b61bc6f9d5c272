"""Model fields for personal data encrypted at rest (``privacy.encryption``).

- ``EncryptedCharField``: a text column holding ciphertext; Python reads and writes the plaintext
  (``case.account_number`` is the account), ``max_length`` and validators apply to the plaintext.
  Only ``isnull`` and ``exact`` against the empty string may be asked of it in SQL: equality of a
  value is asked of its ``BlindIndexField``.
- ``BlindIndexField``: the keyed hash of another field of the model (``source``), recomputed from
  it on every save; ``BlindIndexedModel`` adds it to ``save(update_fields=…)`` when its source is
  there. Writers that bypass ``save`` (COPY, ``core.bulk``) derive it through ``derived_from`` and
  ``derive``.
- ``EncryptedKeysJSONField``: a JSON object some of whose keys (``encrypted_keys``) hold personal
  data: those values are encrypted in the stored JSON and decrypted when read.

Raw SQL may copy a ciphertext from one encrypted column to another as it is (the key fingerprint
travels with it); raw SQL that reads one for output decrypts it with ``privacy.encryption.decrypt``.
"""

from django.core.exceptions import FieldError
from django.db import models
from django.db.models.lookups import Exact, IsNull

from privacy.encryption import blind_index, decrypt, encrypt, is_encrypted


class _EmptyOnlyExact(Exact):
    def get_db_prep_lookup(self, value, connection):
        if isinstance(value, str) and value != "":
            raise FieldError(
                f"{self.lhs.target.model.__name__}.{self.lhs.target.name} is encrypted: "
                "look a value up by its keyed hash (BlindIndexField), not the field itself."
            )
        return super().get_db_prep_lookup(value, connection)


class EncryptedCharField(models.CharField):
    description = "Text encrypted at rest (AES-GCM), read and written as plaintext"
    prepare_for_copy = True  # core.bulk writes it as save does: encrypted

    def db_type(self, connection):
        return "text"

    def cast_db_type(self, connection):
        return "text"

    def get_lookup(self, lookup_name):
        if lookup_name == "exact":
            return _EmptyOnlyExact
        if lookup_name == "isnull":
            return IsNull
        return None

    def get_db_prep_save(self, value, connection):
        value = super().get_db_prep_save(value, connection)
        if isinstance(value, str):
            return encrypt(value)
        return value

    def from_db_value(self, value, expression, connection):
        if isinstance(value, str):
            return decrypt(value)
        return value


class BlindIndexField(models.CharField):
    """HMAC-SHA-256 of ``source`` (hex; empty when the source is empty), never set by hand."""

    description = "Keyed hash of another field, for lookups"

    def __init__(self, *args, source: str, purpose: str, **kwargs):
        self.source, self.purpose = source, purpose
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("blank", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["source"], kwargs["purpose"] = self.source, self.purpose
        for key, default in (("max_length", 64), ("blank", True), ("editable", False)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def digest(self, value: str | None) -> str:
        return blind_index(value or "", purpose=self.purpose)

    # What core.bulk asks of a field computed from another (COPY writes bypass ``pre_save``).
    @property
    def derived_from(self) -> str:
        return self.source

    def derive(self, value: str | None) -> str:
        return self.digest(value)

    def pre_save(self, model_instance, add):
        value = self.digest(getattr(model_instance, self.source))
        setattr(model_instance, self.attname, value)
        return value


def blind_index_fields(model) -> list[BlindIndexField]:
    return [field for field in model._meta.concrete_fields if isinstance(field, BlindIndexField)]


class BlindIndexedModel(models.Model):
    """``save(update_fields=[…source…])`` saves the source's blind index too."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            extra = {field.name for field in blind_index_fields(type(self)) if field.source in update_fields}
            if extra:
                kwargs["update_fields"] = [*update_fields, *sorted(extra - set(update_fields))]
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude=None):
        # A check constraint may name a blind index (case_bank_account_complete): derive it first.
        for field in blind_index_fields(type(self)):
            field.pre_save(self, False)
        super().validate_constraints(exclude=exclude)


class EncryptedKeysJSONField(models.JSONField):
    """A JSON object whose ``encrypted_keys`` (top level, string values) are encrypted at rest."""

    prepare_for_copy = True  # core.bulk writes it as save does: those keys encrypted

    def __init__(self, *args, encrypted_keys: tuple[str, ...] = (), **kwargs):
        self.encrypted_keys = tuple(encrypted_keys)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["encrypted_keys"] = self.encrypted_keys
        return name, path, args, kwargs

    def encrypt_keys(self, value):
        if isinstance(value, dict) and any(value.get(key) for key in self.encrypted_keys):
            value = {
                key: encrypt(item) if key in self.encrypted_keys and isinstance(item, str) else item
                for key, item in value.items()
            }
        return value

    def get_db_prep_save(self, value, connection):
        return super().get_db_prep_save(self.encrypt_keys(value), connection)

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        if isinstance(value, dict):
            for key in self.encrypted_keys:
                item = value.get(key)
                if isinstance(item, str) and item:
                    value[key] = decrypt(item)
        elif isinstance(value, str) and is_encrypted(value):  # a key read alone (proposed__account_number)
            value = decrypt(value)
        return value
