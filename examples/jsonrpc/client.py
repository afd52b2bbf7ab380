"""Call Arith's POST /rpc route with the requests library: no generated code.

Usage: python3 client.py URL    (URL such as http://localhost:8081/rpc)
"""
import sys

import requests

resp = requests.post(
    sys.argv[1],
    json={"method": "add", "params": [2, 3]},
    headers={"Content-Type": "application/json"},
    timeout=10,
)
resp.raise_for_status()
result = resp.json()
print(result["result"])
