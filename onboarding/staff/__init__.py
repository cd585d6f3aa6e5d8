"""The staff portal: Django's admin site, with roles, masks and reveals."""
