"""Customer read models, split like the views: the directory and the profile."""
