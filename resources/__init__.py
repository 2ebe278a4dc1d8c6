"""Icons, style sheets and translations shipped with the app."""
