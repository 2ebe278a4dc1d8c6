"""The Leads, Contacts, Companies and Deals list screens."""
