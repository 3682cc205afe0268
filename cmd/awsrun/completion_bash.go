package main

// bashCompletion: %[1]s the flags that take a value, %[2]s the subcommands, both space-padded;
// %[3]s the completion flag.
const bashCompletion = `# bash completion for awsrun: source <(awsrun completion bash)
_awsrun_complete() {
  local cur=${COMP_WORDS[COMP_CWORD]} i w skip=0 sub=
  local value_flags="%[1]s" subs="%[2]s"
  COMPREPLY=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if ((skip)); then skip=0; continue; fi
    case $w in
    --) _awsrun_command $((i + 1)); return ;;
    =) skip=1 ;;
    -*) [[ $value_flags == *" $w "* && ${COMP_WORDS[i + 1]} != "=" ]] && skip=1 ;;
    *)
      if [[ -z $sub && $subs == *" $w "* ]]; then
        sub=$w
      elif [[ -z $sub ]]; then
        _awsrun_command "$i"
        return
      fi
      ;;
    esac
  done
  # No command to run yet, so awsrun answers (it never runs anything for this).
  # A bare "--" would end awsrun's flags and make it run the completion flag as a command.
  local prog=${COMP_WORDS[0]/#\~/$HOME} ask=$cur opts
  [[ $ask == -- ]] && ask=-
  opts=$("$prog" "${COMP_WORDS[@]:1:COMP_CWORD-1}" "$ask" %[3]s 2>/dev/null)
  local IFS=$'\n'
  COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  local prev=${COMP_WORDS[COMP_CWORD - 1]}
  if [[ -z $sub && $cur != -* && $prev != "=" && $value_flags != *" $prev "* ]]; then
    COMPREPLY+=($(compgen -c -- "$cur"))
  fi
}

# _awsrun_command completes the command awsrun runs, which starts at word $1.
_awsrun_command() {
  if declare -F _command_offset >/dev/null; then
    _command_offset "$1"
  elif (($1 == COMP_CWORD)); then
    local IFS=$'\n'
    COMPREPLY=($(compgen -c -- "${COMP_WORDS[COMP_CWORD]}"))
  fi
}

complete -o default -F _awsrun_complete awsrun
`
