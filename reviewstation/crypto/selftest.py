"""Start-up self-test: a few known answers for every primitive ReviewStation builds on.

Run once per process before the first unlock (``ensure``). If the cryptographic library on
this machine computes a wrong answer (a broken build, a tampered install, a faulty CPU), the
vault stays locked rather than encrypt, sign or verify with it. Vectors:

- SHA-384 and AES-256-GCM: the published FIPS 180-2 ("abc") and GCM spec (test case 14) answers.
- HKDF-SHA384: computed independently with the standard library's ``hmac`` (RFC 5869 steps).
- ECDSA P-384, ML-DSA-87 (with a context), ML-KEM-1024 and HPKE: fixed keys and fixed
  signatures / ciphertexts made once with pyca/cryptography; the ML-DSA-87 signature was also
  verified by the independent ``dilithium-py``. Each is checked both ways (accepted as given,
  refused when altered).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, mldsa, mlkem
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from reviewstation.crypto import hashing, kdf
from reviewstation.crypto.recipients import RecipientPrivateKey
from reviewstation.errors import CryptoError


class SelfTestFailed(CryptoError):
    """A primitive gave a wrong answer; nothing may be unlocked in this process."""


SHA384_ABC = (
    "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded163"
    "1a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
)
GCM_TC14 = "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919"
MESSAGE = b"ReviewStation self-test message"
CONTEXT = b"reviewstation/selftest/v1"
ECDSA_SCALAR = 0x1D2C3B4A5968778695A4B3C2D1E0F
HPKE_SCALAR = 0xA5A5A5A5123456789
MLDSA_SEED = hashlib.sha256(b"reviewstation mldsa selftest").digest()
MLKEM_SEED = hashlib.sha512(b"reviewstation mlkem selftest").digest()
HPKE_PLAINTEXT = b"ReviewStation HPKE self-test"

HKDF_OKM = "4e5c156d2190b42f84ea910efc119ce774a0db3cddc876b95b2cc565698ec9e38d53291ced79b2b6afb4"
ECDSA_SPKI = (
    "MHYwEAYHKoZIzj0CAQYFK4EEACIDYgAEkE7NQyn+vG+rSPYm+obIHZQMlPMsJ52s/l/zbWNK4t+M/QRxOGsFBRAs"
    "SJMPuYih8tWJOKKf0k6CCc4pVxO5YTjC1UiJOrzr6gZdEB2T7ajm3Ja2uGwoyNb+Kt4YKIBd"
)
ECDSA_SIG = (
    "MGQCMGQbU0+OsJFdW0HihFFdH/13/a2Ru5EFwbpSS98o34e6WDN2M0YZ3xfblFrM2sGDiQIwXf4d98hwjIeCALCy"
    "gne1i/64no48qLGZ1J1ZbUJmiSjVrP5rxjbMbh62I7ayzo75"
)
MLDSA_PUB_SHA384 = (
    "6ef4b36876196400ed99802cf42a2d55d35b2a0db41627b9"
    "4c7e45c7fbec89c48eb488503f60a7a8679e767e2c6b4fe2"
)
MLDSA_SIG = (
    "1gZbmXlFF3dRnpBBJS4z7BFsojJ93OiXo9JIX+G1T66uqYYYvh4OPPyHxd6sjpH0jO3fRVe51VFKFRtSY03G6WjK"
    "u+iTXioFost5upjAtkFy+gONmFvyrSNSNtoA0tfbISW3ZIeWr5d86lCblJhi6hrqsecvT+yoJgln9NgnutjXCIl+"
    "xR1IlBST/iQ2RF8fyHt1It4QdPDH6x5DrQlpIBGbWEttShvebAEsBap5fpxEoBp+7zeXzzmuTmt2yuw2Me07VpQE"
    "2moSUgXsOJVLkTNjUQmS8e0pIxuktFzvsUC5SbZbpDiODXpNrnmTObxz6EnWcUqxAkktdBqxmhs9aF9RqwOQ9GMf"
    "U2ThxHvsCqDgaaJqsh+2Rc90u4h3a+B+nxQOiUrJAwxTqE7MTi8Q71V85LlnqLLKveveaVyiU5DwIx8Db1eoXm0h"
    "sae+fRdPth8XMHjEM/LVRWVwI0xq+7QRltXkX2oIENH27Do9JLVWo8/yLBDF8Obft86jel3TvcU3/+P4DGmmb7/t"
    "3xdCKi0CP/k/wnj02oKc16Y6Y7fWTvg6yU+vnwcxEqHOevlEs2zn8zueR1XaXM8390BNVtAcBozpMp5dB2OdxNIO"
    "UAkwnBgBLbX88npZ4wJcgVuwHM89iB3E9l5gBqxZOkAn45bMMmPb7scTirOc/+8RVRZM3PYxsQhUB4kn+qLrVj1p"
    "PG79gkGLUUptNvdCswnLiraHxWThx7om9XgXFNCiV4MJl9ivRLMvtLDs4n4jcm0GtAX3SJUEJoPexJw6LkgrU5Ib"
    "ruuWRsGUneWJMETo1w9Ns7YgXHjZkb+3uBbJhLYCMYB7M379+l5Y8AG9t22d4EEldx5giDb8ubEznNF471HyhtYr"
    "7I/QX2bj42S0Kd1DLbXLskZV928pNIZkdbp59fVFXaGYzCV2GzPYzU059WKba1d0k01HLEUoo4+BEv6MJinLQwo6"
    "wN60ZzTjvl0DwUX9bIBfJe/AfD/OBgjVGGEC6pq0uLiA6idxSuQKg29kRDTNjzP/wa8kd06B2P7m3gtEDvXC1ivr"
    "jttCzFaJplNIMe0QwnrRUzSymurjE8+RYP1/9thUviU4+b4K3CU69frq1qDVW+rZV/SnXp7bCp86wmfWeD06MYX5"
    "Znux5B1zzBTyFuzMnGE4sZ3y6h5nEMOWlddDM7OD7MxBUQoD5J+pyrRcfHzN/0m6IqIvtu2MGTNQKsUCX44u2gFW"
    "M3ZUeeIhn01Iw+a7KRRM+41VG6Kjcj3Ud3ECU9wcRFg+DAghsg1OguUwyS3jjeUvqnRzFKDoC9D97yyXyoL4Tl0K"
    "QeCP4d3O3GmI5catPLG15K8KUOeQHlVRAI3bXmBJ2Qyiw/KQTel3gZIp+HiGwqVymYiErVFCH1xPlQhyUMx8v4rB"
    "HXFTYBUAWgMVGZze/dNkwNAvhAED3dbyPCPX/rtxEsyDMFBxXhSvdhlVBnvutFU5g5rTT6yHRR76raO9ecVVwn0v"
    "80m2u5vl6UsLXZ3QxjfKgTVi+qjM6Gs+s1SlhTLeT0XOBDSfAVdMTqf/cfcQpGlkGQ/WV/k1+gKuIZvBjRCxEkTW"
    "ZMiijqPkkMMg3U4M7vw97rV8CaV6OyUQ6rOqD2UMlPEUxhAzZAtBE/dFZ2dRo1SnfpKUA4BX3f+vz3kCmHwgfZu2"
    "JfEckH9YFySi/H0694Il3vZi9XbHiwEyHXKLNDbGgDe3qd8MPuQBE5F746jaDsmHvH/knrrD5nSUZQ4wCptSOJB7"
    "5t72Al7kio+2K9PEZRFXtMulj+r0J/3D+MAKoyTlQuldcwKYo0jSnHrwhySjnP9mtq7V1FtA8KSdhwape556+6Q7"
    "gnyDvtX/HnLmucc3eQpIE4sdb95x+SGZ8r6eBU1xlRlbRi2zwDd+cNY/n19arvde9VnvhDSdL9fZoudMTwGXgUR+"
    "/cLWRyOOFnywwoCTFnntDYFMCjxS9hmaiRINj/n2l+Ma6we5ZEx885a2HHKOUwAtv8REiDUWmZF7SbrLuscIlHPU"
    "qXQXr2fVe28Nxdt+E5V4pPh0/smuZizzknA/uj//5+CjvxSEXFnXatJSD4GmpzFwxz8foDBgYWEoHjzQLiWvc4so"
    "e/v0jmCTahj4zWZWwifviN/HcEm8FE7323NzaXZ8cBBfE6lWWRL0/5iYWgeu9AyCOwaEPfRGV7nF3OXK+HL/EDWe"
    "5UWo9nfgKnhGnOUx5b5NVdwRtt63kRtKUvvkPP48U6gkxnkdskuH7LTQN8e7nlS6TxPfuhxjDt09jUj8NHLKYRAe"
    "h2taiXkZ89+x0ro9udwl3c8o1vUMjk+k6HzUakM/zvbipPdtg/sjfkc1beFJrzeYsvW4p77LVd6Xe8rbEi9Il6M3"
    "mtV+K+VBhnh1Zmp7xwSReJfH8RApFgjewx4mW+2r9dW0KJRApCKLwWU0SuJkpiet2FPQMP0hYEiqzvyYdzEEOKkA"
    "58txoAELbYm0NCgwzHT/AkYN47e2NWV1GQU2eBtTytZ9FDD/a+sZLkpSHjMxkuGJuvF3025cHifSqdI21fqhw4IG"
    "ZJR5DfBvDmsMRT5yT5znLFaD8O74UvKJPT2YW8STdfsulfiNCDPhfCaoSNv8ZHsr8MiG8Cdo7OulX4+cr9+8Kp/b"
    "4cOJ8lTvBXTZM5oiM/ejFem9uIvt0Qzsa0kFGcYxnywjLjUGluU/UGyQep8Ru8k7hmPhj+aMKVfg/cWoM/r4q2Ht"
    "Y4NbFRQyEuQH/hFolj6g+zm/8fMRxzihRhg09AufYqJHIf0HO8eYLs/tArW1wOfNnwRbDbCcryXsuzuvUi9MVAym"
    "cW7xUJBA6/AhJd7F7IGdw7kHIo3YFLJ39FzpFMkLPAFOkMgL6pVQBLK10mXBRkuQfOGkQSc7TXMhs3V7/mc743qt"
    "0Kh+UJ1uovA0aJIFBNqfZHp0EuynCaUWslv73aM/HPwbOzI3paiN5KiXd5Bh5oHnZKb4X+2szzBm1K3O5MztMb3F"
    "Ick4nq7onY0Km5sszsns0mfBnFkg8wVrjSJdfuEyjW1m9UMLo9t/OHlX3DdAW3YNsNtOp1ElUgByvFyvid2+vMoc"
    "42vvBGh2vX1sn9wh3jReh0PAcKiFmTKdqxCuzJRfrsbrRTbqTQ6jX8bJcpcFhgIx2nVBmFHitSpVh8zo8aVwZzhV"
    "BKtm9H9wh9+wK/63yEwVUFzAKoTAA0GOd6JX6XGrA6rhxk8KGkhEZk0cb11FXYuHq4w0qhCcSnTUMJjLeA1xfLyl"
    "ETNMwx0A5t9+mIL2BgVMwBVuBqFnz5WhR7OV+/+uRPwiWNu6lA38UmOy28jd/OcSa3eEeKcBP7Gf181LZEfvEVHw"
    "OiSArOGhMETEuoF1OTs0U07jchJFrvzTMph/LNFphMmFN9g/eVvDws343D+4hPsKeemoPezkVVNszNqItW8cPbD/"
    "aid2wS86QM+C+ZpEFAh66bFHrv2ODSoSexdSmweRi/rV8mSqstxki8sOipN78g8XzeLoHI/ApzFdujw3HcsGNIRY"
    "76AcfFQUPoxIt71SuGidW7++2zcPm+ibFKNdAde2T20VEoC/cb+nn+vJ5Ypr6TTYUyCq6DEJSZlBcW3oisjy4abP"
    "mROG68JLsfTQRKzlzpY0UVcOCK3BegUA5g/MlIYaMXT1pAX6AcILa/SMgCCjTXqmurahPHBnbO5ES080vxSZNvqB"
    "56uY6n9cM4vTJPpygKii+7IsoIDIsaK/iGwKPl1qIe8rYbQuJ5E/jvoG5Ugo6tEFxZkMQsMPhT+D6OCWuamF8Y81"
    "jn3KK22FIxeBtOoiKgKHVKTp2Wyp0SlF3lZWLzFTt+jYbhKStoalL+oreM0s3U18j7ALjyEf0ekPOchBOznnvxea"
    "cMuoYFuyFffl+XM7CVYi5uPSO8Dcy/PW45Zb2kCwBp1CX9OvLugfR34EsQSvHjN4ecNj7Mt6F5pxVG/2BoS4Qm5e"
    "tGSyaSVBe1R/7rGlSlv3pwA0Dkrax7npHvEsuefgNOsxPrP/2IJQK00wvhPEmVOWKEBjND+4gOdkomMDNp/MxEXA"
    "swUClq4sO8VT8d7Z1jBskQDyzOX5RzPE7RUtfgVDjYdL84050lyi0YjwYzcKwgghEZLBDRGXJEAQ6bVBnot26fX9"
    "EZZV2hSzGQQyWkqRGumcYh+ie2pCg2n3y5uncLEz0oj7hsWZ2tP/SnM0hK80uhBt3uB/MMzCNtAGW6osykWMIhk8"
    "+uMsO/3ixY8vyVavPnPQPuKLfRoBdqw/uKxrpKUdb5ZrAIeqwcnoEE98e4cBeO40oz9VzNXK1sXd9w4q4W3Le2HA"
    "RZBG4fp1y5xSRS7vFyvzl86tnUw1hcAip4vWxS3OPDd51qVrcj3HBlVQ43xXWKvudNYjcQQGxPhDMg3wKXkyqR5u"
    "IrZxaXZcELlkrAnu4sstYVQ49qm9ZGtoRyGP2+Ip6A/+hTEPDoluXGWr1jk14rzONvtc+9774zgTxc8k11m5AW4h"
    "RNtGsUVM5bqIr3AiEU+g7kHdjg+vurVZWzC4r7r/XL3FHl2p3IveVFf45hkHWUi/qsnpw4Kmbw9vh5T6FsGtaJfK"
    "XHhfNYmpNCl62ovWoanuvGg8rrUqVLZlHvpr2gTHoyHTllEtLb1YyYR7I1I8vVPmU4hay9/4nDSi25N4ArioI/Sm"
    "lRzaAzSJGGI479/9J+yxkUpWITGDw5jMubesOvHUIcm7yGJOUGFShpclKy/1rLxiCXVgcnSQ/0DH8VoDLXBhwVOa"
    "zgymlalMkY82iR8y+ZNyFp5Ue/t0xY1YoqvbS0FZ2MJwrPcGbl7BwA7IdI4AaMI/cTJN2V6AUq1euwtIRDWKzgp7"
    "snvyJz5Uzuk7KuPndovpJhgE6Ccrpey2ZlSexdF92J6PYfoZ13NrE4OL782rCQ03ujyPxDIXd+WQgMmMlxwgsnKQ"
    "aUPHEtb+dia8TYYuap65W8brJMHtiZUGFrii9Mtho6wFatMiv1Cpz8s7YZwJpDkPZCq+JJdX3zFWbQrLnt+YurKi"
    "UWJ1ZCH4aTJVYv5coDiodJHRLGf/YX6tEtpDMGV3LvExchYiYEDadOoS9nIqtYCwVVPSSi3dywOf3j4MpR2zU0ci"
    "4B6oyxJqLEAsrgouhOaJbl3OP9TYYrKuNjWrS8AEivxFoOj96NaQx8Ffoh+dAQqAmX1+YxOrzmxSUM8RJfkRvovK"
    "khoO2ctfLJ73cP9SPAuqt4gkZjcV51jxNlf4LpP4jHPhNVMzAuQ1wVHNznbHiuUbzlgLXoKUfIuQbXPjD32ibth9"
    "FyL9/U8jvgpzDjzFdfzuWgJzM3FRzpPsLy5EOUCuqc5zTv64ln2cdzoezOxP3Sa7rG0rq+aAZonFv/85iV3ueuD7"
    "H6EXQJogHvzS/nKwPSamizshhZJ1X+Wq1tDR8s0d38WTC4lDl1a6KRCf2sVMsKmXyinIVc4uHxDcKk5GqUunsu8H"
    "FQ89Fi39YWpyUqTRJjIGWY45Mcc+DMFtABbUucQNykE8j/VUvin+3kRr6MMwhYsXlNVF11WcADH+vSs7v35Dj9Ao"
    "Wktbw+Nix7sPwxGGRTVfGvyml2qNNwAqu7y2VRHeQBleAKyNNRUG1GEisJB+hlrFKv1hpMoYFjpvaDNNe7PIwf/F"
    "YDAIyEoQ9dd18/zZZTBc2v/BdUSuMRfE3qBC+I85r2aOhFVW6lihpdDAfCVFYLK0kHqCtng/5QykjVxsZuP6M55s"
    "/r/iAA/D/SY6Mec4vsYL7PIPB79CTLqEjUK3AqcByVsUyEgotrZbrgj2JellOTILLP2AKCtoG9xgZPQ7bM7x/NPG"
    "cEckbzBotP2huuu5J9jlaUyb7CWt6myFqXTgEszchcK2plBPnDZS83RYTKBgJyg5S70WO+zUMlfEbS3BG1eBSX0T"
    "Kc2GA3RPS7ATtcYK4HCnlfyLpPn42eUQbP0xPieUcnYuZlzRynJN5sgGtyKMdZ6QmwuYPzq//1W76saWrzcJEMvC"
    "JPKHrSq+o4pgSCjOD3f9h9bE2bMFe0Nt4EiZvKWpyLHcdGsv4aXuBIzjM9Ot30pEZL3Nb2F674wQXYfGAw8mN7e7"
    "6i40UV+gp/QnVoSSETNwdYjo+gtNcYevw/Y80ds8e9oAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE"
    "CxIWHSQnKg=="
)
MLKEM_CT = (
    "Zr7Ifmqo3kkswJF8f5x3MhaOwaAL7JZJ98ffohzMuVA1rQxEpLBDlRx0M7YcuSR2UYmquPpscpalL+uI62Di/IpE"
    "qTWvN6Q5n0lCL7nW8Ox92L3xQFsdO6dxAO/WRQUomz0mJ5Db2JIUZ9bzmPzQAd2sX0xYUT7Smp2Wl9s1eLHyNJm+"
    "4zy7KtiDsgxPCsRoHk6jspoEQ3E93TpxEYLckL2MEP4+5SA2dpUmNcyGS/c4Pr3jq0F1mRbtwlEesBSLo+hYW7yn"
    "k9k8kYk+x5zo3w1D05/QO/V49J6MOAy9AIZ/7Q7mgRsHAkJcA9XAYv6tW2gujOULzA62WkMeK7KCq7UYD8/9LzMa"
    "6PkNNzCAHk7CAQBbC/x9tkjUlIKvZEfFR0jSe7IKsUnzuBWv/Pgd+Zbkl84BC9iQp5Ae5uCtQcgoNP9VkMsDWHiv"
    "we9ai/JwdFsj7GvMFIF29tZfQ4qfIlUrp4qRukS9M6FK0KpyxGJdIz3kU5bFI3zCb4HtsQfMsYSr/rt4DeVK4BGs"
    "BMLrzEjRmO/PI+p5lZvHvR5h4JUq/jHAPY8ck/EyOYEcA1StXlg0Zwr8oUpxKZIEHHjv5uNIXRx1F0sqYdCx+N/T"
    "RNnq6L6kpMHEFrtVWsIRp6W92ATz7kSmx9+KWp1Xy8j5MovLj77v040gbg9NvWKad6mddxheBSz4Hs0+tynQIBLy"
    "O9dO0ic7uajIrBYugM9skcZyrvI6+Oya8kwlsfLdHR1wdpHeTtsSZgLdX4zL6iSYfuVEp7qN5+Gm8ImW7V24gvMU"
    "1V82Jt2qxnoSp+DbWOYfWt/LwKGS2l0EE872lVq+vQyaUNxQiqbRzbOQm82WB3VBukWIXj30UmxXxEAfpIeaRdjt"
    "ZqY0ifbvPlnIh8gUIDGNyA8rtFXMnPo76v9zCWUbIsxiDvrZ1014uN5umfRh6GVGiFC2nnfNC/fR2+W9AMV2zs0Y"
    "E68t7GJV7JQOWH7Mf18yIG2oi1rFwwTD5RS3Jtw0HKdBxeR6WVWApiyfE81YtAiKXJt7Vmhh9nm+/JfiZciA8t3m"
    "+0QGylLgnNPHJMPIgZphkKI0RG/skUX0RUhVo+BG9f5JUmnkaUO19kEDLJKjduncOh2BrWbhDEoL/sclAmiMrnn5"
    "1mWxmX3CPgdyhT/vQTLu+mrRQBkqBQlP+JBx9xwZwr72Uy1ULvwpAv3L6fsUWPcZUgZAghY72lSkf/HWkwpmgjRv"
    "tmqRSeQtlmb25xN6jofWdFhBePpxcsLTqYVbWadPk7n1tuwqH4KW6b9cK+vyUsrBcbqVAi4lg9A4Bg6M3hGoZXkz"
    "s5W89N2f5vhGxNUWhRs7RuHMKwg63xiiLgn4XhYg2cQzcMOj6hEwQdt2ptbrTyboCQ4t6bbvStaIX8oLjVIaVwQV"
    "GXXiP45KCOvsBuLNIpXrg/dxipdLjU0K/h+9vtRO4Nxy2RFwwP4FQpx497R08C6cWzIN2zGB9LFfN6TWDZraEIYs"
    "ftCUL5f75Mfv3ZBHK7i5ETxI93/PKeEsCNULm+K038j3cpqwHsc3Ij9j0pAY+Nbb6bv0TIbDeadNCIUx+YzRmvDr"
    "L1imKq4QXo7JxNKwKaGJe9CwtuVWTRHCViH267nCGd1lUC4ZQZ+e4RlPcJmoMDGCwNUX9C3Z1MPTLSkuukfFRNDQ"
    "vUFyfpF7wB9i679gwmaL+plxGigf9Zw5eH8jUnvk7F0qQLLNxIhgBTCfAkcPI8+VDQBFsUpk+hIqRHUE9bMiVC2S"
    "zpZPRFjxJCVQQPe9mDJMI5GNdm4PUFYQdoeyRR8QQwpmoNBdcvEqTSp7SAps1MsEr32WbNR2tBnJpopNgquwHgJK"
    "xOD3ygKAtKZJhFgWpXytW/urjFgB8TI8Eu4IojlKYkqnomLQmSi6vcWTM3nnK9nMJELwZ2C4a9C3B6Y9ZQfLbr22"
    "v6WoehYCPVDTAhNttM3hCZehnVuvysoE/dnZWWF3TNoQn0QMkMpCB9NHFsrSKevnvUIv3Jf416mONHyNV2OTRlzS"
    "3q4ts9Uz3CLstW1qtQnBEtxCdLDvC8XWwlmv5PzYq+5hpOMfbCMaU6fdxDn2BfNR9Ic="
)
MLKEM_SHARED = "bb3c544f8aeead767402603f8b4bbcc31925cd23331bb2339d8fb59fd44094ba"
HPKE_CT = (
    "LtsPGagUED58rZoxDrGWz9MfJuDSxv6zLIZP85s/vfVAuy8NEnVnPfMN+YHQRQvqRBr3l1+agsr2B4Hy8BdWo7Tw"
    "PCIhvf7h2rYnYrbPro0QfJfJ/PPCUMIQ20pRVbMSNlv17oKZx4DmarTGFcQ3Qvrc5MKIwdHOEMQ3eYpl3r281GfN"
    "77jGeJe376TDms6gaomuri+42gDSd7HUV7y/dMzq23xGCoEeyMvFOV0B132A1EMUaug0cMKlL8MUyuo9wGjIq5Ax"
    "Mo731j6zFc8h89abhqQ07Ewak5gq7W5IY1ZxCl/rZr2563OqOdshEDZ/YgBD+qISPXuj+2/PpEFgUtoj9pAkn+Hi"
    "LHh1RLMsmX81n/agua4/0SV5hEItPYP5UNX4STRdJM5qtMVstF3alpfUMBLxPKQUZqFnmo7Fs/PMUeMkgD0JTC/M"
    "L8CoWpAqKS84b5ZhFU0eMQ26qPD22lfiU37AkwNvwXMFnzAiBOPC4oG0NGo3T/8CNS9YGL8ux5FPpUC/YHMDhurb"
    "xRkh9y3sne4Saar7qWlAoKTTeMcNbJnm/9kXSbJj3M1vOKvE1zD1zRuOkUvLHG9+vDor82v0HzCD0K+DQIoOEJ1e"
    "7ufDb2oHoncGCIM1DgtZfHwtCzwgIhhlb0cH+6wjUaUU1NGWOyRk33A8n5/HdOgie4VmR+BhzZF81baWopYhf+8B"
    "fZMJjcm7Ppfk+RopvuWIiZHXx9QlhJ1kjuI4e5v8lXUyI045WQyOZmBX9Rno+shYJbnFLIC5d0aMpBbgWBHv0U9+"
    "MQNUbo2ZlMVzOWbvq6bahzGGaLcOfWCexnmJM7S+S7CEvvgDjMGZBJP7MulfULOEPS7483/F4za/6zoaguaAa329"
    "oSjN9vaW9mslnkmQm/xPPGX+B48XfBK1/dzH/S5d7BxirNnIqkSEgNhJ42+xcezQnYv+WsPoS3hV0fUuTS0krg9Z"
    "tnc12TtNAXObhYrwIT3rySIA/NKx8YCqIHcsB0TN5gKORn1XHoPuyYoQ55RVepfEMt0b9CIp5PqhQD64Iu6JNsOf"
    "XWyo5TUSijQbdLffadauaViO2ojhaI0ST3K8iXvNWxR1GYevu26WArDxsD5glUe1oPJ0BjTM161gSaVZshU42WZN"
    "mDm18OuW/Aua/cXMmVS8gv0NaU7Ag6WRRi1a55xztO1KaVBJOkCzOtRNeXHMqfVbCOQ4Dp0T2u3U8405ZgAuvKW+"
    "tbV7TTXHClmiQjeuO79BhXyY8weQx2oRHI/DAZde1rctIbrFnl3YFOv3Wst1Pxs6B/U9KO0Lry9mNN/9j7fWVwJd"
    "RaTSXj2Dht6YVQmhmMFZrIkvlIBHU9LhX3gLCUbO0phN5I3L++AqLuGEoou7PMyIctBb5nT+01uj4NdVMO0Gf53c"
    "Tbt1wzKGcnaPZ8CQ1cyYQnHrZ/JDreVzAHfOZFwoK8rLsFSoL/43SzdD1syE31BQDqUFVSQRAPwufQUKQHwz1jHG"
    "T+eOorWQ8hqZYJcxcK0xZBj2GLsVsTUZBYo7lYiRWVZlqP0j2lWkRPKzYOnSOBRy2875FdiMeUtzAeFm6/fX1ahS"
    "yxdwsOHKHqii8w75q8/SKob4kV6Kx/IbvmjQbNBfs/v+jEY0CT5WtKoYtD3UAKhww6t+TXjH8YRLg0elD5tmaW9j"
    "2aVtLnBs0Mzx4dBLzdtVwPYm72KcysYX3ONvVNZNGfrB+MPyHXA2SwNCeW+JUpEmAHUg/4WytAhsmnglhol0XJmJ"
    "0igtMRB6Ibo49SlDOISVzhQACkFRkKSIpu1LKtoOtXTTKwp+25wsHR3HcPI3hfhrVeck9r4kV/dGL8tjtdpEtHdY"
    "N4BsshkxqiLrLOkjdOQz5mx1KVaNDwY8vHVdCN74ycqAM6JDSS078FB90CklT2xJWVJsledo4t7FAYzWMHHk+LST"
    "9HFZTP3qQ10n/yS3uJFiCjJqHWnETGM2KzwCsD2REMWApvy6ePw9HIwxKLc1ZUT50xJV/k7wwtnzABAtLXeILblM"
    "TIGFhj3P1MqMtHmb4d4cXvXE1CQMx05eKefJvvXPWZxikh/v3DMyRtqeZRD7FlAYpykElXPplM9WaZVhOX5CGlB3"
    "lnM5FCPLnzbWjNQW9Dsh39FifOA5j6eAXylY6M0q6B14lwjPaC24KI6+T1Y5hAJsDs2/2HOzdYtbdDqM20D1kXP8"
    "H9Y6ai+8oIayA/0MeDtaNvZZRpEFA64gYmBzq8F31kdFIhrK9yfGnTRHENmN92iqwJte4G4L6mYukzI="
)


def _b(text: str) -> bytes:
    return base64.b64decode(text)


def _sha384() -> bool:
    return hashing.sha384(b"abc").hex() == SHA384_ABC


def _aes_gcm() -> bool:
    key, nonce = bytes(32), bytes(12)
    sealed = AESGCM(key).encrypt(nonce, bytes(16), None)
    if sealed.hex() != GCM_TC14:
        return False
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    try:
        AESGCM(key).decrypt(nonce, tampered, None)
    except InvalidTag:
        return AESGCM(key).decrypt(nonce, sealed, None) == bytes(16)
    return False


def _hkdf() -> bool:
    okm = kdf.hkdf(bytes(range(22)), b"reviewstation/selftest", bytes(range(13)), 42)
    return okm.hex() == HKDF_OKM


def _rejects(check: Callable[[], object]) -> bool:
    try:
        check()
    except InvalidSignature:
        return True
    return False


def _ecdsa_p384() -> bool:
    public = serialization.load_der_public_key(_b(ECDSA_SPKI))
    derived = ec.derive_private_key(ECDSA_SCALAR, ec.SECP384R1()).public_key()
    if not isinstance(public, ec.EllipticCurvePublicKey) or public != derived:
        return False
    algorithm = ec.ECDSA(hashes.SHA384())
    public.verify(_b(ECDSA_SIG), MESSAGE, algorithm)
    return _rejects(lambda: public.verify(_b(ECDSA_SIG), MESSAGE + b".", algorithm))


def _mldsa87() -> bool:
    public = mldsa.MLDSA87PrivateKey.from_seed_bytes(MLDSA_SEED).public_key()
    if hashlib.sha384(public.public_bytes_raw()).hexdigest() != MLDSA_PUB_SHA384:
        return False
    public.verify(_b(MLDSA_SIG), MESSAGE, CONTEXT)
    return _rejects(lambda: public.verify(_b(MLDSA_SIG), MESSAGE, b"another context"))


def _mlkem1024() -> bool:
    key = mlkem.MLKEM1024PrivateKey.from_seed_bytes(MLKEM_SEED)
    return key.decapsulate(_b(MLKEM_CT)).hex() == MLKEM_SHARED


def _hpke() -> bool:
    key = RecipientPrivateKey(
        mlkem.MLKEM1024PrivateKey.from_seed_bytes(MLKEM_SEED),
        ec.derive_private_key(HPKE_SCALAR, ec.SECP384R1()),
    )
    if key.decrypt(_b(HPKE_CT), CONTEXT) != HPKE_PLAINTEXT:
        return False
    sealed = key.public_key().encrypt(HPKE_PLAINTEXT, b"round trip")
    return key.decrypt(sealed, b"round trip") == HPKE_PLAINTEXT


CHECKS: dict[str, Callable[[], bool]] = {
    "SHA-384": _sha384,
    "AES-256-GCM": _aes_gcm,
    "HKDF-SHA384": _hkdf,
    "ECDSA P-384": _ecdsa_p384,
    "ML-DSA-87": _mldsa87,
    "ML-KEM-1024": _mlkem1024,
    "HPKE": _hpke,
}

_passed = False


def failures() -> list[str]:
    """Names of the primitives that gave a wrong answer (any exception counts as wrong)."""
    failed = []
    for name, check in CHECKS.items():
        try:
            ok = check()
        except Exception:
            ok = False
        if not ok:
            failed.append(name)
    return failed


def ensure() -> None:
    """Run the self-test once per process; SelfTestFailed (and no unlock) if any check fails."""
    global _passed
    if _passed:
        return
    failed = failures()
    if failed:
        raise SelfTestFailed(
            f"The cryptographic self-test failed ({', '.join(failed)}), so no vault will be "
            "unlocked on this installation; reinstall ReviewStation or use another machine."
        )
    _passed = True
