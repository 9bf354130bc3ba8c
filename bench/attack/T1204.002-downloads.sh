# tactic: execution
# run a program from the Downloads folder
mkdir -p $HOME/Downloads; cp /bin/true $HOME/Downloads/invoice; $HOME/Downloads/invoice
