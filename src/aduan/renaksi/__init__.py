"""The action plan (Renaksi): its aspects, programs, activities per year and self-assessment."""
