"""Personal data: who may see which identifiers unmasked (``visibility``) and the record of every look at
them (``access log``). It sits just above ``accounts``: it knows users and roles, and names persons by
their ids only, so every app above may record and ask without an arrow pointing back up."""
