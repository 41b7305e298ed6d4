"""Knowledge of particular sites, as data: the one URL policy, platforms (hosts, handles, post
links), page-state markers and the classification they decide.
"""
