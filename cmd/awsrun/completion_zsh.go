package main

// zshCompletion: as bashCompletion.
const zshCompletion = `#compdef awsrun
# zsh completion for awsrun: source <(awsrun completion zsh), after compinit
_awsrun() {
  local value_flags="%[1]s" subs="%[2]s" w sub=
  local -i i skip=0
  for ((i = 2; i < CURRENT; i++)); do
    w=${words[i]}
    if ((skip)); then skip=0; continue; fi
    case $w in
      --)
        shift $i words
        ((CURRENT -= i))
        _normal
        return ;;
      --*=*) ;;
      -*) [[ $value_flags == *" $w "* ]] && skip=1 ;;
      *)
        if [[ -z $sub && $subs == *" $w "* ]]; then
          sub=$w
        elif [[ -z $sub ]]; then
          shift $((i - 1)) words
          ((CURRENT -= i - 1))
          _normal
          return
        fi ;;
    esac
  done
  local cur=${(Q)words[CURRENT]} prev=${words[CURRENT-1]} ask=${(Q)words[CURRENT]}
  local -a opts
  # A bare "--" would end awsrun's flags and make it run the completion flag as a command.
  [[ $ask == -- ]] && ask=-
  opts=("${(@f)$(${~words[1]} "${(@Q)words[2,CURRENT-1]}" "$ask" %[3]s 2>/dev/null)}")
  opts=(${opts:#})
  if [[ $value_flags == *" $prev "* || $cur == --*=* ]]; then
    if ((${#opts})); then compadd -- $opts; else _files; fi
  elif [[ $cur == -* || -n $sub ]]; then
    compadd -- $opts
  else
    compadd -- $opts
    _command_names -e
  fi
}

if [[ $zsh_eval_context[-1] == loadautofunc ]]; then
  _awsrun "$@"
else
  compdef _awsrun awsrun
fi
`
