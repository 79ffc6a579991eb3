"""Reviewer matching: affinity from text and bids, and an optimal assignment under loads and conflicts.

``model`` holds the instance and the plan, ``flow`` solves it exactly with OR-Tools, ``affinity`` scores
pairs with TF-IDF, ``openreview`` reads and writes the OpenReview matcher's files, ``committee_plan``
turns the abstracts service's needs into an instance.
"""
