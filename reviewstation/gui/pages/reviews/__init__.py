"""The reviews list and a review's overview."""
