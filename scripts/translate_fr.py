"""Maintainers: extract, update the catalogues, fill French entries from a JSON dict (argv[1]), compile."""
import json, subprocess, sys
from babel.messages.pofile import read_po, write_po
B='.venv/bin/pybabel'
subprocess.run([B,'extract','-F','babel.cfg','-k','_l','-k','N_','--ignore-dirs','.* .venv node_modules','-o','translations/messages.pot','--no-location','--sort-output','.'],check=True,capture_output=True)
subprocess.run([B,'update','-i','translations/messages.pot','-d','translations','--no-fuzzy-matching','--ignore-obsolete'],check=True,capture_output=True)
tr=json.load(open(sys.argv[1])) if len(sys.argv)>1 else {}
p='translations/fr/LC_MESSAGES/messages.po'
cat=read_po(open(p,'rb'))
missing=[]
for m in cat:
    if not m.id: continue
    key=m.id if isinstance(m.id,str) else m.id[0]
    if key in tr:
        v=tr[key]; m.string=tuple(v) if isinstance(v,list) else v
    empty = (not m.string) if isinstance(m.string,str) else not all(m.string)
    if empty: missing.append(key)
    m.flags.discard('fuzzy')
write_po(open(p,'wb'),cat,sort_output=True)
subprocess.run([B,'compile','-d','translations'],check=True,capture_output=True)
print("missing:", json.dumps(missing, ensure_ascii=False, indent=0))
